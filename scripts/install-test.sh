#!/usr/bin/env bash
# Install everything the test suite needs: previzkit[all,test] plus each area's
# system parts (scripts/setup.d/*.sh, e.g. the Monado OpenXR runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
PREVIZKIT_EXTRAS=test bash scripts/install.sh
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  echo "== $step"
  bash "$step"
done
