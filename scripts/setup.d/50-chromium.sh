#!/usr/bin/env bash
# Headless Chromium + chromedriver for the storyboard page test (tests/edit), driven
# by Selenium (pip, the `test` extra). Debian 12 and 13 both package them as
# `chromium` and `chromium-driver`; idempotent, run as root by scripts/install-test.sh.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  echo "chromium $(chromium --version 2>/dev/null | awk '{print $2}') and chromedriver present"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core
