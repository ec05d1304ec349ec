#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang in build-fuzz/ and runs each one
# for SECONDS (default 60) on a copy of its seed corpus in a temporary
# directory; the repository is never written to. Fails if a harness crashes,
# leaks, times out or runs out of memory; the input that did it is kept in
# build-fuzz/findings/<harness>/.
#   tests/fuzz/run.sh [SECONDS [HARNESS...]]
# Environment: LITMUS_FUZZ_BUILD_DIR (default build-fuzz), LITMUS_FUZZ_KEEP=1
# keeps the temporary directory (grown corpus and logs) and prints its path.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-60}
shift || true
harnesses=("$@")
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=(request_path_fuzz token_response_fuzz config_loader_fuzz litmus_endpoint_fuzz)
build=${LITMUS_FUZZ_BUILD_DIR:-$root/build-fuzz}

cxx=$(command -v clang++ || command -v clang++-14 || true)
if [[ -z "$cxx" ]]; then
  echo "fuzz: clang++ not found (deploy/scripts/install-deps.sh --test installs it)" >&2
  exit 1
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  # -O1 -g1: line tables for the stacks, a cheap compile (the harnesses
  # build only pure sources), and optimised enough that a minute of fuzzing
  # runs a useful number of inputs.
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_CXX_COMPILER="$cxx" -DLITMUS_FUZZ=ON -DLITMUS_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target "${harnesses[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/litmus-fuzz.XXXXXX")
if [[ "${LITMUS_FUZZ_KEEP:-0}" == 1 ]]; then
  echo "fuzz: keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
# A leak or an error in a harness must end it with a report, not scroll past.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:print_stacktrace=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=()
for h in "${harnesses[@]}"; do
  mkdir -p "$work/$h/corpus" "$work/$h/artifacts"
  cp "tests/fuzz/corpus/$h/"* "$work/$h/corpus/"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=16384
        -print_final_stats=1 -artifact_prefix="$work/$h/artifacts/")
  [[ -f "tests/fuzz/$h.dict" ]] && args+=(-dict="$root/tests/fuzz/$h.dict")
  echo "fuzz: $h for ${seconds}s"
  # stdin is closed: a config naming /dev/stdin as a credential file must not wait.
  if "$build/tests/fuzz/$h" "${args[@]}" "$work/$h/corpus" </dev/null >"$work/$h/log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|#[0-9]+ *DONE' "$work/$h/log" || true
    echo "fuzz: $h ok, corpus $(ls "$work/$h/corpus" | wc -l) inputs"
  else
    failed+=("$h")
    mkdir -p "$build/findings/$h"
    cp "$work/$h/artifacts/"* "$build/findings/$h/" 2>/dev/null || true
    cp "$work/$h/log" "$build/findings/$h/log"
    tail -n 60 "$work/$h/log"
    echo "fuzz: $h FAILED; input and log in $build/findings/$h/" >&2
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
