#!/usr/bin/env bash
# Run the Debian 13 (trixie) install path from a Debian 12 machine: debootstrap a
# trixie root (cached outside the repo), install Monado from trixie's packages with
# scripts/setup.d/30-monado.sh, install previzkit[render,xr] into a venv of trixie's
# Python, and run the render and xr tests there (xr against the packaged
# monado-service). As root. PREVIZKIT_TRIXIE_ROOT moves the root (default
# /var/tmp/previzkit-trixie); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${PREVIZKIT_TRIXIE_ROOT:-/var/tmp/previzkit-trixie}"
export DEBIAN_FRONTEND=noninteractive

command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
[ -x "$ROOT/usr/bin/apt-get" ] || debootstrap --variant=minbase trixie "$ROOT" http://deb.debian.org/debian

mounted=()
cleanup() { for m in "${mounted[@]}"; do umount -l "$m" || true; done; }
trap cleanup EXIT
for d in proc sys dev dev/pts; do
  mountpoint -q "$ROOT/$d" || { mount --bind "/$d" "$ROOT/$d"; mounted=("$ROOT/$d" "${mounted[@]}"); }
done
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"  # this host's CAs
rm -rf "$ROOT/src/previzkit" && mkdir -p "$ROOT/src/previzkit"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -c | tar -x -C "$ROOT/src/previzkit"

chroot "$ROOT" /usr/bin/env -u PIP_FIND_LINKS /bin/bash -s -- "$@" <<'EOF'
set -euo pipefail
. /etc/os-release && echo "in $PRETTY_NAME"
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-venv python3-dev g++ ca-certificates \
  libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1 libgl1 libgles2 >/dev/null
bash /src/previzkit/scripts/setup.d/30-monado.sh
[ -x /venv/bin/python ] || python3 -m venv /venv
/venv/bin/pip install -q -e '/src/previzkit[render,xr]' pytest hypothesis
cd /src/previzkit
/venv/bin/python -m pytest -q -p no:cacheprovider tests/render tests/xr tests/test_package.py "$@" </dev/null
EOF
