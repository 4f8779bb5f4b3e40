#!/usr/bin/env bash
# Set up, build, then run every test suite (CTest). GPU tests skip themselves without a device.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
