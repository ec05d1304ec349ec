#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. This is the command
# CI runs. Stages, in order:
#   release  Release build in build/, every test (unit and integration) via ctest
#   asan     the same suite built with ASan + UBSan in build-asan/ (RelWithDebInfo)
#   fuzz     each libFuzzer harness for LITMUS_FUZZ_SECONDS (default 60) s,
#            seeded from tests/fuzz/corpus/ (tests/fuzz/run.sh)
#   containers  (not by default: root, podman, minutes) the container image
#            built and run (image-test.sh) and the Debian package's unit
#            started by systemd in a container (systemd-container-test.sh)
# LITMUS_TEST_STAGES picks stages, comma-separated (default: release, asan,
# fuzz); LITMUS_TEST_STAGES=release is the quick check. Arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/../.."
stages=",${LITMUS_TEST_STAGES:-release,asan,fuzz},"
for s in ${stages//,/ }; do
  case "$s" in
    release | asan | fuzz | containers) ;;
    *) echo "test.sh: unknown stage '$s' in LITMUS_TEST_STAGES (use release, asan, fuzz, containers)" >&2; exit 2 ;;
  esac
done
want() { [[ "$stages" == *",$1,"* ]]; }
stage() { echo "== test.sh: $1 ($(date -u +%H:%M:%S))" >&2; }

deploy/scripts/install-deps.sh --test

if want release; then
  stage "release build + tests"
  deploy/scripts/build.sh
  ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
fi

if want asan; then
  stage "ASan + UBSan build + tests"
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  if [[ ! -f build-asan/CMakeCache.txt ]]; then
    # -O0 -g1 (line tables): readable sanitizer stacks, and the build that
    # dominates the CI's time at about half of -O1's (13.5 against 23.5 min
    # on 2 cores); the tests themselves take 105 s instead of 80.
    cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -g1 -DNDEBUG" -DLITMUS_SANITIZE=address,undefined >/dev/null
  fi
  cmake --build build-asan -j "$(nproc)"
  # Any report fails the test that caused it (the proxy binary started by the
  # integration tests inherits these too).
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:print_stacktrace=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$(nproc)" "$@"
fi

if want fuzz; then
  stage "fuzzing"
  tests/fuzz/run.sh "${LITMUS_FUZZ_SECONDS:-60}"
fi

if want containers; then
  stage "container image and systemd in a container"
  deploy/scripts/install-deps.sh --image
  deploy/scripts/build.sh
  deploy/scripts/image-test.sh
  deploy/scripts/systemd-container-test.sh build
fi
stage "done"
