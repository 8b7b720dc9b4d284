#!/usr/bin/env bash
# Independent renderers for tests/edit/test_independent_renders.py: MLT's melt conforms
# the EDL against the take files, GStreamer Editing Services (ges-launch-1.0) renders
# OTIO's xges. GStreamer's libav (H.264/AAC decode), good/bad (MP4 mux and demux) and
# ugly (x264enc) plugins read and write the MP4s. Debian 12 and 13. Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if command -v melt >/dev/null 2>&1 && command -v ges-launch-1.0 >/dev/null 2>&1 \
  && command -v gst-inspect-1.0 >/dev/null 2>&1 && gst-inspect-1.0 x264enc >/dev/null 2>&1 \
  && gst-inspect-1.0 avdec_h264 >/dev/null 2>&1; then
  echo "editorial tools: present: $(command -v melt) $(command -v ges-launch-1.0)"
  exit 0
fi
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends \
  melt ges1.0-tools gstreamer1.0-tools gstreamer1.0-libav \
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
  gstreamer1.0-plugins-ugly >/dev/null
echo "editorial tools: installed $(command -v melt) $(command -v ges-launch-1.0)"
