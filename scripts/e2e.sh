#!/usr/bin/env bash
# Browser tests, the system test among them: brings up the local platform
# (scripts/platform: the test world, the example repositories, the three
# controllers), starts the portal against it, runs Playwright in Debian's
# Chromium, then stops the portal and the controllers (the test world stays
# up for whoever started it). Screenshots, traces and the portal's and
# controllers' logs land in e2e-test-report/.
#
# The portal listens on $KLI8NT_FRONTEND_PORT (default 3000) and
# $KLI8NT_BACKEND_PORT (default 7007), see scripts/ports.sh: set both to run
# beside another portal.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/ports.sh
frontend=http://localhost:$KLI8NT_FRONTEND_PORT
backend=http://localhost:$KLI8NT_BACKEND_PORT

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  [ "$(id -u)" = 0 ] || { echo "e2e: $chromium missing; install Debian's chromium package" >&2; exit 1; }
  apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi

report=e2e-test-report
mkdir -p "$report"
scripts/platform/platform up
eval "$(scripts/testenv/testenv env)"
state=$KLI8NT_TESTENV_RUN/platform
# setsid: the portal and everything it spawns form one group we can stop.
setsid yarn start --config "$PWD/app-config.yaml" --config "$(scripts/platform/platform config)" \
  >"$report/portal.log" 2>&1 &
portal=$!
cleanup() {
  kill -- -$portal 2>/dev/null || true
  wait 2>/dev/null || true
  scripts/platform/platform stop || true
  cp "$state"/logs/controller-*.log "$report/" 2>/dev/null || true
}
trap cleanup EXIT

for url in "$backend/.backstage/health/v1/readiness" "$frontend"; do
  for _ in $(seq 1 240); do
    curl -fs -o /dev/null "$url" && break
    kill -0 $portal 2>/dev/null || { tail -50 "$report/portal.log"; echo "portal exited" >&2; exit 1; }
    sleep 1
  done
  curl -fsS -o /dev/null "$url" || { tail -50 "$report/portal.log"; echo "portal not ready: $url" >&2; exit 1; }
done

status=0
PLAYWRIGHT_URL=$frontend yarn playwright test "$@" || status=$?
# Secrets sweep (#17): after the system test, no token or secret value in
# plaintext in any log, topic, queue, database row or Kubernetes object.
scripts/secrets-sweep --logs "$report" --report "$report/secrets-sweep.txt" || status=$?
exit $status
