#!/usr/bin/env bash
# Configures and builds into ./build (Release). Extra arguments are build
# targets; none builds everything, tests included.
set -euo pipefail
cd "$(dirname "$0")/../.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f build/CMakeCache.txt ]]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j "$(nproc)" "${targets[@]}"
