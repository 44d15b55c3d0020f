#!/usr/bin/env bash
# Runs every test: unit tests, integration tests against the real services that
# scripts/testenv starts (PostgreSQL, RabbitMQ, Kafka, Kubernetes with kwok, a registry),
# and the browser tests. The services are stopped afterwards, also when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
source scripts/env.sh

# Stop the services also when `up` fails half-way or a test fails.
trap 'scripts/testenv/testenv down' EXIT
scripts/testenv/testenv up
eval "$(scripts/testenv/testenv env)"

# Integration tests fail instead of skipping when a service is missing.
export KLI8NT_TESTENV=required CI=true
yarn backstage-cli repo test "$@"
# Browser tests only on full runs (not when a package path was given).
[ $# -gt 0 ] || scripts/e2e.sh
