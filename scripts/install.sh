#!/usr/bin/env bash
# Install previzkit and what it needs to run, on Debian 12 or 13 (as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null; then
  # Headless OpenGL (Mesa EGL + llvmpipe) and Vulkan (lavapipe, for OpenXR runtimes);
  # espeak-ng speaks the scratch dialogue of a previz (previzkit.media.speech);
  # libltc11 reads LTC timecode from audio (previzkit.media.ltc, overlay --timecode ltc).
  pkgs="libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1 libgl1 libgles2 libvulkan1 mesa-vulkan-drivers espeak-ng libltc11"
  missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  if [ -n "$missing" ]; then
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
  fi
fi
PY=${PYTHON:-python3}
# The extras state ranges; scripts/constraints.txt pins what this install picks on top
# (torch 2.13.0: the CPU build where it lies on local disk, not the newest CUDA build).
"$PY" -m pip install -q -c scripts/constraints.txt -e ".[all${PREVIZKIT_EXTRAS:+,$PREVIZKIT_EXTRAS}]"
# pyenv installs put console scripts behind shims: make `previzkit` callable at once.
if command -v pyenv >/dev/null; then pyenv rehash || true; fi
# The heavy pose model (30.7 MB, not shipped) is built into the user cache from Google's
# Apache-2.0 files: skipped when already there, one line and no failure when offline.
"$PY" scripts/build_pose_models.py --variant heavy --if-missing --offline-ok ||
  echo "warning: heavy pose model not built (see above); 'previzkit capture --model heavy' says how"
