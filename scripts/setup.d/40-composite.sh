#!/usr/bin/env bash
# A C++ compiler for tests/composite/test_cuda_kernels_on_cpu.py, which compiles the
# cupy backend's CUDA kernels as C++ and checks them on the CPU (the test skips with a
# reason without one). Debian 12 and 13: g++. Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if command -v g++ >/dev/null 2>&1 || command -v clang++ >/dev/null 2>&1; then
  echo "composite: C++ compiler present: $(command -v g++ || command -v clang++)"
  exit 0
fi
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends g++
echo "composite: installed $(command -v g++)"
