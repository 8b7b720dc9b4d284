#!/usr/bin/env bash
# Offline text-to-speech for scratch dialogue (previzkit.media.speech): espeak-ng speaks
# every dialogue line of a previz in its character's voice. Debian 12 and 13.
# Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if command -v espeak-ng >/dev/null 2>&1; then
  echo "tts: espeak-ng present: $(command -v espeak-ng)"
  exit 0
fi
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends espeak-ng >/dev/null
echo "tts: installed $(command -v espeak-ng)"
