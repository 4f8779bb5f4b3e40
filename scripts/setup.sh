#!/usr/bin/env bash
# Installs the Debian packages rlloss needs (when missing) and builds it into ./build.
# Usage: scripts/setup.sh            (BUILD_DIR and CMAKE_ARGS may be set in the environment)
set -euo pipefail
cd "$(dirname "$0")/.."

# libopenblas0-openmp: Debian's LibTorch calls whichever libblas.so.3 is selected, and the default
# (netlib's reference BLAS) makes host_example train about 8x slower.
# libboost-context-dev: the fibers of the interpreted CUDA device (tests/interp/).
packages=(cmake ninja-build g++ pkg-config binutils libtorch-dev libboost-dev
  libboost-filesystem-dev libboost-context-dev libyaml-cpp-dev libspdlog-dev libcli11-dev
  libdlpack-dev libelf-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgloo-dev gnuplot-nox libopenblas0-openmp
  python3-torch python3-pytest python3-venv python3-setuptools python3-wheel)
scripts/install_packages.sh setup "${packages[@]}"

build_dir=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRLLOSS_WERROR=ON ${CMAKE_ARGS:-}
cmake --build "$build_dir" -j "$(nproc)"
