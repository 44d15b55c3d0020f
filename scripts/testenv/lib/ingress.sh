# shellcheck shell=bash
# Sourced by testenv: the test world's ingress and TLS.
#
# No off-the-shelf ingress controller can be had on these machines (see
# README, "Ingress and TLS"), so Caddy is the proxy and src/ingress/adapter.ts
# programs it from Ingress and Gateway API HTTPRoute objects. The adapter is
# a TEST STAND-IN for the user's ingress controller: it is never shipped in
# the chart, and the product must rely on nothing specific to it. Pebble
# (Let's Encrypt's test ACME server), with pebble-challtestsrv answering DNS,
# is the CA of the per-host ACME mode.
#
# Caddy runs inside the real node's network namespace (lib/node.sh), so it
# reaches pod IPs, and listens on the namespace side of its veth, the one
# address of it the host can reach. Without the node lib it makes a small
# namespace of its own, so the pieces stay testable on their own.

INGRESS_HTTPS_PORT=${KLI8NT_TESTENV_INGRESS_HTTPS_PORT:-$((28443 + off))}
INGRESS_HTTP_PORT=${KLI8NT_TESTENV_INGRESS_HTTP_PORT:-$((28080 + off))}
INGRESS_ADAPTER_PORT=${KLI8NT_TESTENV_INGRESS_ADAPTER_PORT:-$((28090 + off))}
PEBBLE_PORT=${KLI8NT_TESTENV_PEBBLE_PORT:-$((28014 + off))}
PEBBLE_MGMT_PORT=${KLI8NT_TESTENV_PEBBLE_MGMT_PORT:-$((28015 + off))}
CHALLTESTSRV_DNS_PORT=${KLI8NT_TESTENV_CHALLTESTSRV_DNS_PORT:-$((28053 + off))}
CHALLTESTSRV_MGMT_PORT=${KLI8NT_TESTENV_CHALLTESTSRV_MGMT_PORT:-$((28055 + off))}
APPS_DOMAIN=${KLI8NT_TESTENV_APPS_DOMAIN:-apps.kli8nt.test}
INGRESS_DIR=$RUN_DIR/ingress
INGRESS_CLASS=kli8nt-test
# The deploy role's wildcard mode names a Secret in the apps namespace
# (KLI8NT_TLS_WILDCARD_SECRET, KLI8NT_APPS_NAMESPACE default kli8nt-apps);
# the Gateway's listener gets its own copy in the gateway's namespace.
APPS_NAMESPACE=kli8nt-apps
WILDCARD_SECRET=kli8nt-wildcard-tls
GATEWAY_NAMESPACE=kli8nt-ingress
GATEWAY_NAME=kli8nt-test
CADDY_ADMIN_SOCKET=$INGRESS_DIR/caddy-admin.sock

INGRESS_SERVICES=(caddy challtestsrv pebble ingress-adapter)
SERVICES+=("${INGRESS_SERVICES[@]}")
CHAINED+=("${INGRESS_SERVICES[@]}")
PORT+=([caddy]=$INGRESS_HTTPS_PORT [challtestsrv]=$CHALLTESTSRV_DNS_PORT [pebble]=$PEBBLE_PORT
  [ingress-adapter]=$INGRESS_ADAPTER_PORT)
GROUP+=([ingress]="${INGRESS_SERVICES[*]}" [acme]="challtestsrv pebble" [adapter]=ingress-adapter)
APT_PACKAGES+=(iproute2 util-linux)
# Caddy in the node's namespace reaches Pebble at NODE_HOST_IP through the
# node lib's forwarders, like every other host service.
[[ -n ${NODE_NETNS:-} ]] && NODE_FORWARD_PORTS+=("$PEBBLE_PORT")

go_module ingress github.com/caddyserver/caddy/v2/cmd/caddy \
  github.com/letsencrypt/pebble/v2/cmd/pebble github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv
# The Gateway API CRDs (standard channel) come from the module that
# ingress/go.mod pins, kept beside the binaries like kwok's.
ingress_post() {
  local dir
  # No binary imports it, so the build did not download it: on a new
  # machine `go list` would print an empty directory.
  dir=$(cd "$SELF_DIR/ingress" && go mod download sigs.k8s.io/gateway-api &&
    go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api)
  [[ -d $dir/config/crd/standard ]] || { log "error: no Gateway API CRDs in '$dir'"; return 1; }
  mkdir -p "$1/gateway-api-crds"
  cp "$dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$1/gateway-api-crds/"
}

# Decided when a service starts, not when this file is sourced: the node
# lib's settings are what counts, whatever order the libs were read in.
ingress_net() {
  if [[ -n ${NODE_NETNS:-} ]]; then
    INGRESS_NETNS=$NODE_NETNS INGRESS_IP=$NODE_IP INGRESS_HOST_IP=$NODE_HOST_IP INGRESS_OWN_NETNS=
    PEBBLE_LISTEN=127.0.0.1
  else
    local net=10.253.$((off % 256))
    INGRESS_NETNS=kli8nt-ingress-$off INGRESS_IP=$net.2 INGRESS_HOST_IP=$net.1 INGRESS_OWN_NETNS=1
    PEBBLE_LISTEN=$INGRESS_HOST_IP
  fi
  INGRESS_VETH=kli8ntig$off
}
in_ingress_netns() { nsenter --net="/var/run/netns/$INGRESS_NETNS" "$@"; }

# Only without the node: one veth pair, no default route, so nothing in
# the namespace can reach beyond the host.
ingress_own_netns_up() {
  [[ -e /var/run/netns/$INGRESS_NETNS ]] && return 0
  ip netns add "$INGRESS_NETNS"
  ip link add "$INGRESS_VETH" type veth peer name eth0 netns "$INGRESS_NETNS"
  ip addr add "$INGRESS_HOST_IP/30" dev "$INGRESS_VETH"
  ip link set "$INGRESS_VETH" up
  ip -n "$INGRESS_NETNS" addr add "$INGRESS_IP/30" dev eth0
  ip -n "$INGRESS_NETNS" link set eth0 up
  ip -n "$INGRESS_NETNS" link set lo up
}
ingress_own_netns_down() {
  ingress_net
  [[ -n $INGRESS_OWN_NETNS ]] || return 0
  ip link del "$INGRESS_VETH" 2>/dev/null || true
  [[ -e /var/run/netns/$INGRESS_NETNS ]] && ip netns del "$INGRESS_NETNS"
  return 0
}

# A CA of its own for the apps (not the cluster CA): it is the one file
# browsers, tests and pods are told to trust for https://<app>.<domain>, and
# trusting it must not also vouch for the apiserver; nor must recreating
# the cluster's PKI change what app clients trust.
ensure_apps_pki() {
  mkdir -p "$PKI"
  new_ca apps-ca kli8nt-testenv-apps-ca
  CA=apps-ca issue apps-wildcard "/CN=*.$APPS_DOMAIN" serverAuth "DNS:*.$APPS_DOMAIN,DNS:$APPS_DOMAIN"
  CA=apps-ca issue pebble-serving /CN=pebble serverAuth "IP:$INGRESS_HOST_IP,IP:127.0.0.1,DNS:localhost"
}

# ------------------------------------------------------------------ caddy --

caddy_running() { pid_alive "$(cat "$PID_DIR/caddy.pid" 2>/dev/null)" caddy; }
caddy_stop() { stop_pid "$(cat "$PID_DIR/caddy.pid" 2>/dev/null)" caddy; ingress_own_netns_down; }
caddy_cleanup() { ingress_own_netns_down; }
caddy_start() {
  ingress_net
  ensure_apps_pki
  [[ -n $INGRESS_OWN_NETNS ]] && ingress_own_netns_up
  [[ -e /var/run/netns/$INGRESS_NETNS ]] ||
    die "network namespace $INGRESS_NETNS is missing (LIBS must list node before ingress)"
  local d=$INGRESS_DIR/caddy
  mkdir -p "$d/data" "$d/config"
  rm -f "$CADDY_ADMIN_SOCKET"
  # Until the adapter loads the routes: admin and storage only, so not even
  # a start-up default can make Caddy listen, or ask a public CA, anywhere.
  cat >"$d/bootstrap.json" <<EOF
{"admin": {"listen": "unix/$CADDY_ADMIN_SOCKET", "config": {"persist": false}},
 "storage": {"module": "file_system", "root": "$d/data"}}
EOF
  spawn caddy nsenter --net="/var/run/netns/$INGRESS_NETNS" \
    env HOME="$d" XDG_DATA_HOME="$d/data" XDG_CONFIG_HOME="$d/config" \
    "$BIN_DIR/caddy" run --config "$d/bootstrap.json"
  wait_until 60 caddy curl -fsS --unix-socket "$CADDY_ADMIN_SOCKET" http://localhost/config/
}

# ------------------------------------------------------------------- acme --

challtestsrv_running() { pid_alive "$(cat "$PID_DIR/challtestsrv.pid" 2>/dev/null)" pebble-challtestsrv; }
challtestsrv_stop() { stop_pid "$(cat "$PID_DIR/challtestsrv.pid" 2>/dev/null)" pebble-challtestsrv; }
challtestsrv_start() {
  ingress_net
  # Pebble's only resolver: every name it validates points at the ingress.
  # Its own challenge responders stay off; Caddy answers the challenges.
  spawn challtestsrv "$BIN_DIR/pebble-challtestsrv" \
    -dnsserver "127.0.0.1:$CHALLTESTSRV_DNS_PORT" -management "127.0.0.1:$CHALLTESTSRV_MGMT_PORT" \
    -http01 "" -https01 "" -tlsalpn01 "" -doh "" -defaultIPv4 "$INGRESS_IP" -defaultIPv6 ""
  wait_until 30 challtestsrv bash -c "exec 3<>/dev/tcp/127.0.0.1/$CHALLTESTSRV_MGMT_PORT"
}

pebble_running() { pid_alive "$(cat "$PID_DIR/pebble.pid" 2>/dev/null)" pebble; }
pebble_stop() { stop_pid "$(cat "$PID_DIR/pebble.pid" 2>/dev/null)" pebble; }
pebble_start() {
  ingress_net
  ensure_apps_pki
  local d=$INGRESS_DIR/pebble
  mkdir -p "$d"
  # Caddy dials it at INGRESS_HOST_IP (forwarded there by the node lib, or
  # bound there in the ingress's own namespace). Challenges are validated
  # against the ingress's own ports.
  cat >"$d/pebble.json" <<EOF
{"pebble": {
  "listenAddress": "$PEBBLE_LISTEN:$PEBBLE_PORT",
  "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
  "certificate": "$PKI/pebble-serving.crt", "privateKey": "$PKI/pebble-serving.key",
  "httpPort": $INGRESS_HTTP_PORT, "tlsPort": $INGRESS_HTTPS_PORT,
  "ocspResponderURL": "", "externalAccountBindingRequired": false, "domainBlocklist": [],
  "retryAfter": {"authz": 1, "order": 1}, "keyAlgorithm": "ecdsa",
  "profiles": {"default": {"description": "90 days", "validityPeriod": 7776000}}
}}
EOF
  # No random sleeps and no injected bad nonces: tests wait for issuance.
  spawn pebble env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
    "$BIN_DIR/pebble" -config "$d/pebble.json" -dnsserver "127.0.0.1:$CHALLTESTSRV_DNS_PORT"
  wait_until 30 pebble curl -fsS --cacert "$PKI/apps-ca.crt" "https://$INGRESS_HOST_IP:$PEBBLE_PORT/dir"
}

# ---------------------------------------------------------------- adapter --

# Node >= 22.19 (client-node 2) with type stripping: scripts/env.sh's.
# shellcheck source=/dev/null
ingress_node() { (. "$SELF_DIR/../env.sh" >/dev/null 2>&1 && command -v node); }

ingress-adapter_running() { pid_alive "$(cat "$PID_DIR/ingress-adapter.pid" 2>/dev/null)" ingress/adapter.ts; }
ingress-adapter_stop() { stop_pid "$(cat "$PID_DIR/ingress-adapter.pid" 2>/dev/null)" ingress/adapter.ts; }
ingress-adapter_start() {
  ingress_net
  ensure_apps_pki
  issue ingress-adapter /CN=kli8nt-testenv-ingress-adapter clientAuth
  local kc=$INGRESS_DIR/adapter.kubeconfig node
  write_kubeconfig "$kc" ingress-adapter
  ingress_apply_cluster_objects
  node=$(ingress_node) || die "no Node >= 22 for the ingress adapter (scripts/env.sh)"
  spawn ingress-adapter "$node" --no-warnings "$SELF_DIR/src/ingress/adapter.ts" \
    --kubeconfig "$kc" --caddy-admin "$CADDY_ADMIN_SOCKET" --storage "$INGRESS_DIR/caddy/data" \
    --listen-ip "$INGRESS_IP" --http-port "$INGRESS_HTTP_PORT" --https-port "$INGRESS_HTTPS_PORT" \
    --health-port "$INGRESS_ADAPTER_PORT" --ingress-class "$INGRESS_CLASS" \
    --gateway-class "$INGRESS_CLASS" --default-certificate "$GATEWAY_NAMESPACE/$WILDCARD_SECRET" \
    --acme-directory "https://$INGRESS_HOST_IP:$PEBBLE_PORT/dir" --acme-ca-roots "$PKI/apps-ca.crt"
  wait_until 60 ingress-adapter curl -fsS "http://127.0.0.1:$INGRESS_ADAPTER_PORT/healthz"
}

# The cluster side of the stand-in controller: Gateway API CRDs, its
# classes, a Gateway, the wildcard Secrets and RBAC limited to what the
# adapter reads and writes.
ingress_apply_cluster_objects() {
  kubectl_admin apply --server-side --force-conflicts -f "$BIN_DIR/gateway-api-crds/" >/dev/null
  wait_until 60 "Gateway API CRDs" kubectl_admin wait --for=condition=Established --timeout=10s \
    crd/gateways.gateway.networking.k8s.io crd/httproutes.gateway.networking.k8s.io \
    crd/gatewayclasses.gateway.networking.k8s.io
  local ns crt key
  crt=$(base64 -w0 <"$PKI/apps-wildcard.crt") key=$(base64 -w0 <"$PKI/apps-wildcard.key")
  for ns in "$APPS_NAMESPACE" "$GATEWAY_NAMESPACE"; do
    kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $ns}
---
apiVersion: v1
kind: Secret
metadata: {name: $WILDCARD_SECRET, namespace: $ns}
type: kubernetes.io/tls
data: {tls.crt: $crt, tls.key: $key}
EOF
  done
  kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: $INGRESS_CLASS
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: kli8nt.io/testenv-ingress-adapter}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: $INGRESS_CLASS}
spec: {controllerName: kli8nt.io/testenv-ingress-adapter}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: $GATEWAY_NAME, namespace: $GATEWAY_NAMESPACE}
spec:
  gatewayClassName: $INGRESS_CLASS
  listeners:
  - name: https
    protocol: HTTPS
    port: $INGRESS_HTTPS_PORT
    hostname: "*.$APPS_DOMAIN"
    tls: {mode: Terminate, certificateRefs: [{kind: Secret, name: $WILDCARD_SECRET}]}
    allowedRoutes: {namespaces: {from: All}}
  - name: http
    protocol: HTTP
    port: $INGRESS_HTTP_PORT
    hostname: "*.$APPS_DOMAIN"
    allowedRoutes: {namespaces: {from: All}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kli8nt-testenv-ingress-adapter}
rules:
- apiGroups: [networking.k8s.io]
  resources: [ingresses, ingressclasses]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses/status]
  verbs: [update, patch]
- apiGroups: [gateway.networking.k8s.io]
  resources: [gatewayclasses, gateways, httproutes]
  verbs: [get, list, watch]
- apiGroups: [gateway.networking.k8s.io]
  resources: [gatewayclasses/status, gateways/status, httproutes/status]
  verbs: [update, patch]
- apiGroups: [""]
  resources: [services, secrets]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kli8nt-testenv-ingress-adapter}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kli8nt-testenv-ingress-adapter}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: kli8nt-testenv-ingress-adapter}
EOF
}

ingress_env() {
  ingress_net
  cat <<EOF
export KLI8NT_TEST_INGRESS='$INGRESS_IP:$INGRESS_HTTPS_PORT'
export KLI8NT_TEST_INGRESS_HTTP='$INGRESS_IP:$INGRESS_HTTP_PORT'
export KLI8NT_TEST_INGRESS_NETNS='$INGRESS_NETNS'
export KLI8NT_TEST_INGRESS_CLASS='$INGRESS_CLASS'
export KLI8NT_TEST_GATEWAY='$GATEWAY_NAMESPACE/$GATEWAY_NAME'
export KLI8NT_TEST_APPS_DOMAIN='$APPS_DOMAIN'
export KLI8NT_TEST_CA_FILE='$PKI/apps-ca.crt'
export KLI8NT_TEST_WILDCARD_SECRET='$APPS_NAMESPACE/$WILDCARD_SECRET'
export KLI8NT_TEST_WILDCARD_CERT='$PKI/apps-wildcard.crt'
export KLI8NT_TEST_WILDCARD_KEY='$PKI/apps-wildcard.key'
export KLI8NT_TEST_PEBBLE_MANAGEMENT='https://127.0.0.1:$PEBBLE_MGMT_PORT'
EOF
}
