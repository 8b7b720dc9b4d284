#!/usr/bin/env bash
# Install the Monado OpenXR runtime used by the xr tests (simulated HMD, null compositor).
#
# Debian 13+: Debian's own packages (monado-service, libopenxr1-monado).
# Debian 12:  no package; build Monado 25 from Debian trixie's source package with
#             cmake + ninja (in-process runtime: XRT_FEATURE_SERVICE=OFF, hardware
#             drivers off) into a prefix cached outside the repo, skipped when built.
# Idempotent; run as root. Prints the runtime manifest path at the end.
# PREVIZKIT_MONADO_PREFIX / PREVIZKIT_MONADO_SRC move the install prefix / source cache;
# PREVIZKIT_MONADO_FETCH_ONLY=1 stops after fetching and unpacking the source.
set -euo pipefail

PREFIX="${PREVIZKIT_MONADO_PREFIX:-/var/cache/previzkit/monado-25.0.0}"
SRC_CACHE="${PREVIZKIT_MONADO_SRC:-/var/cache/previzkit/monado-src}"
export DEBIAN_FRONTEND=noninteractive

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

. /etc/os-release
major="${VERSION_ID%%.*}"

# Runtime needs on every release: a Vulkan device even headless (lavapipe), EGL/GL.
# Xvfb: the tests open the desktop mirror window on a virtual display.
runtime_deps=(libvulkan1 mesa-vulkan-drivers libegl1 libgl1 libegl-mesa0 xvfb xauth)

if [ "${ID}" = "debian" ] && [ "${major:-0}" -ge 13 ]; then
  apt_install "${runtime_deps[@]}" monado-service libopenxr1-monado
  for f in /usr/share/openxr/1/openxr_monado.json /etc/xdg/openxr/1/openxr_monado.json; do
    [ -e "$f" ] && { echo "monado runtime: $f"; exit 0; }
  done
  echo "monado installed but openxr_monado.json not found" >&2
  exit 1
fi

manifest="$PREFIX/share/openxr/1/openxr_monado.json"
apt_install "${runtime_deps[@]}" libcjson1 libbsd0 libusb-1.0-0 libudev1 \
  libx11-6 libx11-xcb1 libxcb1 libxcb-randr0 libxrandr2
if [ -e "$manifest" ] && [ -e "$PREFIX/.previzkit-built" ]; then
  echo "monado runtime (cached): $manifest"
  exit 0
fi

apt_install dpkg-dev cmake ninja-build pkg-config g++ glslang-tools libvulkan-dev \
  libeigen3-dev libegl-dev libgl-dev libx11-dev libx11-xcb-dev libxcb1-dev \
  libxcb-randr0-dev libxrandr-dev libudev-dev libcjson-dev libbsd-dev libusb-1.0-0-dev \
  debian-archive-keyring

mkdir -p "$SRC_CACHE"
cd "$SRC_CACHE"
srcdir="$(find . -maxdepth 1 -type d -name 'monado-*25*' | head -n1)"
if [ -z "$srcdir" ]; then
  # Source only from trixie (no binaries from it): Debian's own monado source package.
  srcs=/etc/apt/sources.list.d/previzkit-trixie-src.list
  echo "deb-src http://deb.debian.org/debian trixie main" > "$srcs"
  trap 'rm -f "$srcs"' EXIT  # leave apt's sources as they were
  apt-get update -qq
  # apt verifies each file's hash against the signed index; a mirror may lag on the
  # .dsc/.debian.tar.xz, and the upstream (orig) tarball alone builds.
  apt-get source -qq --download-only monado || true
  if ls monado_*.dsc >/dev/null 2>&1 && ls monado_*.debian.tar.* >/dev/null 2>&1; then
    dpkg-source --no-check -x monado_*.dsc >/dev/null
  elif ls monado_*.orig.tar.* >/dev/null 2>&1; then
    tar xf monado_*.orig.tar.*
  fi
  srcdir="$(find . -maxdepth 1 -type d -name 'monado-*25*' | head -n1)"
fi
[ -n "$srcdir" ] || { echo "monado source package not found" >&2; exit 1; }
if [ -n "${PREVIZKIT_MONADO_FETCH_ONLY:-}" ]; then
  echo "monado source: $SRC_CACHE/${srcdir#./}"
  exit 0
fi

build="$SRC_CACHE/build"
rm -rf "$build"
cmake -S "$srcdir" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DXRT_FEATURE_SERVICE=OFF \
  -DXRT_FEATURE_STEAMVR_PLUGIN=OFF \
  -DXRT_FEATURE_TRACING=OFF \
  -DXRT_FEATURE_SLAM=OFF \
  -DXRT_HAVE_WAYLAND=OFF \
  -DXRT_HAVE_SDL2=OFF \
  -DXRT_HAVE_OPENCV=OFF \
  -DXRT_HAVE_GST=OFF \
  -DXRT_HAVE_V4L2=OFF \
  -DXRT_HAVE_HIDAPI=OFF \
  -DXRT_HAVE_LIBUVC=OFF \
  -DXRT_HAVE_REALSENSE=OFF \
  -DXRT_HAVE_DBUS=OFF \
  -DXRT_HAVE_SYSTEMD=OFF \
  -DXRT_HAVE_PERCETTO=OFF \
  -DXRT_HAVE_ONNXRUNTIME=OFF \
  -DXRT_BUILD_DRIVER_SIMULATED=ON \
  -DXRT_BUILD_DRIVER_HDK=OFF \
  -DXRT_BUILD_DRIVER_HYDRA=OFF \
  -DXRT_BUILD_DRIVER_NS=OFF \
  -DXRT_BUILD_DRIVER_PSMV=OFF \
  -DXRT_BUILD_DRIVER_PSSENSE=OFF \
  -DXRT_BUILD_DRIVER_PSVR=OFF \
  -DXRT_BUILD_DRIVER_RIFT_S=OFF \
  -DXRT_BUILD_DRIVER_ROKID=OFF \
  -DXRT_BUILD_DRIVER_STEAMVR_LIGHTHOUSE=OFF \
  -DXRT_BUILD_DRIVER_TWRAP=OFF \
  -DXRT_BUILD_DRIVER_VIVE=OFF \
  -DXRT_BUILD_DRIVER_WMR=OFF \
  -DXRT_BUILD_DRIVER_XREAL_AIR=OFF \
  -DXRT_BUILD_DRIVER_ARDUINO=OFF \
  -DXRT_BUILD_DRIVER_DAYDREAM=OFF \
  -DXRT_BUILD_DRIVER_OHMD=OFF \
  -DXRT_BUILD_DRIVER_OPENGLOVES=OFF \
  -DXRT_BUILD_DRIVER_QWERTY=OFF \
  -DXRT_BUILD_DRIVER_REALSENSE=OFF \
  -DXRT_BUILD_DRIVER_SURVIVE=OFF \
  -DXRT_BUILD_DRIVER_ULV2=OFF \
  -DXRT_BUILD_DRIVER_ULV5=OFF \
  -DXRT_BUILD_DRIVER_VF=OFF \
  -DXRT_BUILD_DRIVER_DEPTHAI=OFF \
  -DXRT_BUILD_DRIVER_EUROC=OFF \
  -DXRT_BUILD_DRIVER_HANDTRACKING=OFF \
  -DXRT_BUILD_DRIVER_ILLIXR=OFF \
  -DXRT_BUILD_DRIVER_SIMULAVR=OFF \
  -DXRT_BUILD_DRIVER_REMOTE=ON \
  -DBUILD_TESTING=OFF \
  -DBUILD_DOC=OFF
cmake --build "$build" -j"$(nproc)"
cmake --install "$build"
touch "$PREFIX/.previzkit-built"
rm -rf "$build"
echo "monado runtime (built): $manifest"
