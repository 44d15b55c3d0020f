#!/usr/bin/env bash
# Quick start: the portal at http://localhost:3000 and a local platform that
# really deploys (scripts/platform: brokers, database, Kubernetes with a real
# node, ingress with TLS, a registry, a local GitHub holding examples/apps,
# and the build, deploy and logs controllers).
#
#   scripts/start.sh                      portal + local platform
#   scripts/start.sh --portal-only        portal on embedded defaults (SQLite in
#                                         memory, in-process queue): UI work;
#                                         deployments stay queued
#   scripts/start.sh --kubeconfig <file> --controllers-env <file>
#                                         controllers against your own cluster
#                                         (kind, k3d, minikube, a real one); see
#                                         README "Your own cluster"
#
# Ports: $KLI8NT_FRONTEND_PORT (default 3000) and $KLI8NT_BACKEND_PORT
# (default 7007), see scripts/ports.sh.
#
# The first run on a machine builds the test world and the images: about 35 min
# on 2 cores, with progress lines. Later runs take about a minute.
# Ctrl-C stops the portal and the controllers; `scripts/platform down` also
# stops the test world.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
source scripts/env.sh
source scripts/ports.sh

mode=platform
platform_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --portal-only) mode=portal-only; shift ;;
    --kubeconfig|--controllers-env) platform_args+=("$1" "${2:?$1 needs a file}"); shift 2 ;;
    *) break ;;
  esac
done

if [ $mode = portal-only ]; then
  exec yarn start "$@"
fi

scripts/platform/platform up "${platform_args[@]}"
trap 'scripts/platform/platform stop' EXIT
config=$(scripts/platform/platform config)
portal=http://localhost:$KLI8NT_FRONTEND_PORT
echo "kli8nt: portal at $portal (sign in as guest); open an example, e.g." \
  "$portal/catalog/default/component/storefront/deploy, and press Deploy." >&2
echo "kli8nt: a live app answers at https://<app>.<apps domain>; from this machine:" \
  "$(scripts/platform/platform url storefront)" >&2
yarn start --config "$PWD/app-config.yaml" --config "$config" "$@"
