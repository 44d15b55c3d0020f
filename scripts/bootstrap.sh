#!/usr/bin/env bash
# Sets up a fresh clone: Node 22 (only when the machine's node is older) and node modules.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
echo "kli8nt: node $(node --version), yarn $(yarn --version)"
yarn install --immutable
