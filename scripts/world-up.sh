#!/usr/bin/env bash
# Starts the test world (scripts/testenv) and prepares the images for real
# builds (scripts/images/prepare) side by side, for scripts/test.sh and
# scripts/platform. The images need only the registry, so on a new machine
# their downloads and mmdebstrap run while testenv compiles Kubernetes,
# instead of after it. Warm, both take seconds. Exits non-zero if either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/testenv/testenv up registry
eval "$(scripts/testenv/testenv env)"
# Its own session, so a failed `up` can stop the whole image build.
setsid scripts/images/prepare &
prepare=$!
if ! scripts/testenv/testenv up; then
  kill -- -"$prepare" 2>/dev/null || true
  wait "$prepare" || true
  exit 1
fi
wait "$prepare" || { echo "kli8nt: preparing the images failed (see the [images] lines above)" >&2; exit 1; }
