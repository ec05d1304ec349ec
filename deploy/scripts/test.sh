#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit and
# integration, via ctest). This is the command CI runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/scripts/install-deps.sh --test
deploy/scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
