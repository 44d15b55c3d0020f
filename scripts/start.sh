#!/usr/bin/env bash
# Quick start: sets everything up and runs the portal on embedded defaults
# (SQLite in memory, guest sign-in, in-process queue and log bus) at http://localhost:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
source scripts/env.sh
exec yarn start "$@"
