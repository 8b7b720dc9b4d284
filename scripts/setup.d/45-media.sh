#!/usr/bin/env bash
# FFmpeg's command-line tools for tests/media: ffprobe reads back what previzkit's
# H.264 writer wrote, a reader independent of PyAV's bundled FFmpeg. Debian 12 and 13.
# Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if command -v ffprobe >/dev/null 2>&1; then
  echo "media: ffprobe present: $(command -v ffprobe)"
  exit 0
fi
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends ffmpeg
echo "media: installed $(command -v ffprobe)"
