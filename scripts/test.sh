#!/usr/bin/env bash
# Runs every test: unit tests, integration tests against the real services
# that scripts/testenv starts (PostgreSQL, RabbitMQ, Kafka, Kubernetes, a
# registry), real builds, and the browser tests. The services are stopped
# afterwards, also when tests fail.
#
#   scripts/test.sh                 everything, in the order below
#   scripts/test.sh <path>...       only the Jest suites under those paths
#
# Every phase runs even when an earlier one failed, so a red run shows all
# that is wrong at once, and its last lines repeat each failed phase's
# failures; the exit status is non-zero if any phase failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
source scripts/env.sh

# Suites that drive the shared test world (restart a broker, wait on the
# cluster, run real builds) run one at a time after the others, so they
# neither race each other for two cores nor pull a broker from under a
# parallel suite: files named *.integration.test.* and the test world's own
# tests.
SERIAL='\.integration\.test\.|/scripts/testenv/src/'

if ! scripts/testenv/testenv built || ! scripts/images/build-base-images built; then
  echo "kli8nt: first run on this machine: building the test world and base images" \
    "(about 35 min on 2 cores, then ~50 min of tests; later runs reuse ~/.cache/kli8nt and take ~45 min)" >&2
fi

# Stop the services also when `up` fails half-way or a test fails.
trap 'scripts/testenv/testenv down' EXIT
# With the heavy one-time image preparation, before any test runner starts.
scripts/world-up.sh
eval "$(scripts/testenv/testenv env)"

# Integration tests fail instead of skipping when a service is missing.
export KLI8NT_TESTENV=required CI=true
if [ $# -gt 0 ]; then
  yarn backstage-cli repo test "$@"
  exit
fi

failed=()
# Each phase's output is kept, so the end of a red run repeats what failed
# (a CI log often shows only its last lines, after the benchmarks).
logs=$(mktemp -d "${TMPDIR:-/tmp}/kli8nt-test.XXXXXX")
log_of() { echo "$logs/$(tr -c 'a-z0-9\n' - <<<"$1").log"; }
phase() {  # <name> <command...>
  local name=$1 t=$SECONDS log
  shift
  log=$(log_of "$name")
  echo "kli8nt: --- $name ---" >&2
  if "$@" 2>&1 | tee "$log"; then
    echo "kli8nt: $name passed in $((SECONDS - t)) s" >&2
  else
    echo "kli8nt: $name FAILED after $((SECONDS - t)) s" >&2
    failed+=("$name")
  fi
}
# The failures of a phase's log: Jest's and Playwright's markers, else its end.
failures_of() {
  grep -n -E '^\s*(●|✘|FAIL |[0-9]+\) )|Error:' "$1" | head -60 | grep . || tail -40 "$1"
}
phase "unit and service tests" yarn backstage-cli repo test --testPathIgnorePatterns "$SERIAL"
phase "test-world suites (one at a time)" yarn backstage-cli repo test --runInBand --testPathPatterns "$SERIAL"
phase "browser tests" scripts/e2e.sh
phase "benchmarks (quick)" yarn bench --quick

if [ ${#failed[@]} -gt 0 ]; then
  for name in "${failed[@]}"; do
    log=$(log_of "$name")
    echo "kli8nt: --- what failed in $name (all of it: $log) ---" >&2
    failures_of "$log" >&2
  done
  echo "kli8nt: failed: ${failed[*]}" >&2
  exit 1
fi
echo "kli8nt: all tests passed in $SECONDS s" >&2
