#!/usr/bin/env bash
# Browser tests: starts the portal on embedded defaults, waits for it, runs
# Playwright in Debian's Chromium, stops the portal. Screenshots and traces
# land in e2e-test-report/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  [ "$(id -u)" = 0 ] || { echo "e2e: $chromium missing; install Debian's chromium package" >&2; exit 1; }
  apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi

log=e2e-test-report/portal.log
mkdir -p e2e-test-report
# GitHub's API is the one thing the tests cannot reach: a fake stands in.
node --require @backstage/cli/config/nodeTransform.cjs e2e-tests/fakeGithub.ts \
  >e2e-test-report/fake-github.log 2>&1 &
github=$!
# setsid: the portal and everything it spawns form one group we can stop.
setsid yarn start --config "$PWD/app-config.yaml" --config "$PWD/e2e-tests/app-config.e2e.yaml" >"$log" 2>&1 &
portal=$!
trap 'kill -- -$portal 2>/dev/null || true; kill $github 2>/dev/null || true; wait 2>/dev/null || true' EXIT

for url in http://localhost:7007/.backstage/health/v1/readiness http://localhost:3000; do
  for _ in $(seq 1 180); do
    curl -fs -o /dev/null "$url" && break
    kill -0 $portal 2>/dev/null || { tail -50 "$log"; echo "portal exited" >&2; exit 1; }
    sleep 1
  done
  curl -fsS -o /dev/null "$url" || { tail -50 "$log"; echo "portal not ready: $url" >&2; exit 1; }
done

PLAYWRIGHT_URL=http://localhost:3000 yarn playwright test "$@"
