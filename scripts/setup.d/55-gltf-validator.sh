#!/usr/bin/env bash
# Khronos' glTF validator (npm package gltf-validator, run with node) for tests/media:
# an independent reader of the animated cameras previzkit exports
# (previzkit.media.camera_gltf). Installed outside the repo with `npm install
# --prefix`; PREVIZKIT_GLTF_VALIDATOR_PREFIX moves it (the tests read the same
# variable). Needs node >= 18 and npm (Debian's nodejs + npm packages when missing).
# Idempotent; run as root.
set -euo pipefail

PREFIX="${PREVIZKIT_GLTF_VALIDATOR_PREFIX:-/opt/previzkit-node}"
VERSION="2.0.0-dev.3.10"
export DEBIAN_FRONTEND=noninteractive

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends nodejs npm
fi

installed="$(node -p "require('$PREFIX/node_modules/gltf-validator/package.json').version" 2>/dev/null || true)"
if [ "$installed" = "$VERSION" ]; then
  echo "gltf-validator $VERSION present in $PREFIX"
  exit 0
fi
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "gltf-validator@$VERSION"
echo "gltf-validator $VERSION installed in $PREFIX ($(node --version))"
