# Sourced by testenv: the Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler) and kwok fake nodes, built from
# the wrapper modules in k8s/, kwok/ and helm/.

ETCD_PORT=${KLI8NT_TESTENV_ETCD_PORT:-$((22379 + off))}
ETCD_PEER_PORT=${KLI8NT_TESTENV_ETCD_PEER_PORT:-$((22380 + off))}
APISERVER_PORT=${KLI8NT_TESTENV_APISERVER_PORT:-$((26443 + off))}
CM_PORT=${KLI8NT_TESTENV_CONTROLLER_MANAGER_PORT:-$((26257 + off))}
SCHEDULER_PORT=${KLI8NT_TESTENV_SCHEDULER_PORT:-$((26259 + off))}
KWOK_PORT=${KLI8NT_TESTENV_KWOK_PORT:-$((20250 + off))}
KWOK_NODES=${KLI8NT_TESTENV_KWOK_NODES:-3}
PKI=$RUN_DIR/k8s/pki
ADMIN_KUBECONFIG=$RUN_DIR/k8s/admin.kubeconfig
KWOK_LOGS_DIR=$RUN_DIR/kwok/logs

K8S_SERVICES=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
SERVICES+=("${K8S_SERVICES[@]}")
CHAINED+=("${K8S_SERVICES[@]}")
PORT+=([etcd]=$ETCD_PORT [kube-apiserver]=$APISERVER_PORT [kube-controller-manager]=$CM_PORT
  [kube-scheduler]=$SCHEDULER_PORT [kwok]=$KWOK_PORT)
GROUP+=([k8s]="${K8S_SERVICES[*]}" [kubernetes]="${K8S_SERVICES[*]}" [apiserver]=kube-apiserver
  [controller-manager]=kube-controller-manager [scheduler]=kube-scheduler)

kubectl_admin() { "$BIN_DIR/kubectl" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }

# etcd is built from the same module graph as the apiserver, so it is the
# release that Kubernetes version was tested with.
go_module k8s go.etcd.io/etcd/server/v3 k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
go_module kwok sigs.k8s.io/kwok/cmd/kwok
go_module helm helm.sh/helm/v3/cmd/helm

k8s_ldflags() {
  local minor vpkg=k8s.io/component-base/version cpkg=k8s.io/client-go/pkg/version
  minor=$(cut -d. -f2 <<<"$K8S_VERSION")
  echo "-X $vpkg.gitVersion=$K8S_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean" \
    "-X $cpkg.gitVersion=$K8S_VERSION -X $cpkg.gitMajor=1 -X $cpkg.gitMinor=$minor -X $cpkg.gitTreeState=clean"
}
# go names the binary after the path element before the /v3 suffix.
k8s_post() { mv "$1/server" "$1/etcd"; }

# helm reports (and checks charts against) versions that its own release
# build passes as ldflags; the same values come from its module graph here.
helm_ldflags() {
  local hv cg hpkg=helm.sh/helm/v3
  hv=$(cd "$SELF_DIR/helm" && go list -m -f '{{.Version}}' $hpkg)
  cg=$(cd "$SELF_DIR/helm" && go list -m -f '{{.Version}}' k8s.io/client-go | cut -d. -f2)
  echo "-X $hpkg/internal/version.version=$hv -X $hpkg/internal/version.gitTreeState=clean" \
    "-X $hpkg/pkg/lint/rules.k8sVersionMajor=1 -X $hpkg/pkg/lint/rules.k8sVersionMinor=$cg" \
    "-X $hpkg/pkg/chartutil.k8sVersionMajor=1 -X $hpkg/pkg/chartutil.k8sVersionMinor=$cg"
}

# kwok's CRDs are applied at start-up; keep them beside the binary so the
# run does not depend on where the module cache lives.
kwok_post() {
  local kwok_dir
  kwok_dir=$(cd "$SELF_DIR/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  mkdir -p "$1/kwok-crds"
  cp "$kwok_dir"/kustomize/crd/bases/kwok.x-k8s.io_{logs,clusterlogs}.yaml "$1/kwok-crds/"
}

# -------------------------------------------------------------- kubernetes --

# One CA signs everything; EC keys because they are generated instantly.
# Each file is made only when missing, so a run dir from an older testenv
# gains new certificates without losing its cluster.
ensure_pki() {
  mkdir -p "$PKI"
  new_ca ca kli8nt-testenv-ca
  # Front-proxy CA: without it every component logs "missing content for
  # CA bundle" each minute, and aggregated API servers cannot be tested.
  new_ca front-proxy-ca kli8nt-testenv-front-proxy-ca
  if [[ ! -f $PKI/sa.pub ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/sa.key" 2>/dev/null
    openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  local sans=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default
  sans+=,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
  issue apiserver /CN=kube-apiserver serverAuth "$sans"
  # kwok plays the kubelet for pods/log; the apiserver verifies it with the CA.
  issue kwok-serving /CN=kwok serverAuth IP:127.0.0.1,DNS:localhost
  issue admin /O=system:masters/CN=kli8nt-testenv-admin clientAuth
  issue apiserver-kubelet-client /O=system:masters/CN=kube-apiserver-kubelet-client clientAuth
  issue controller-manager /CN=system:kube-controller-manager clientAuth
  issue scheduler /CN=system:kube-scheduler clientAuth
  CA=front-proxy-ca issue front-proxy-client /CN=front-proxy-client clientAuth
}
new_ca() {  # <name> <common name>
  [[ -f $PKI/$1.crt ]] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 3650 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -out "$PKI/$1.crt" 2>/dev/null
}
issue() {  # <name> <subject> <extended key usage> [subjectAltName]; env CA picks the signer
  local name=$1 subject=$2 eku=$3 san=${4:-} ca=${CA:-ca}
  [[ -f $PKI/$name.crt ]] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$name.key" 2>/dev/null
  local ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$eku"
  [[ -n $san ]] && ext+=$'\n'"subjectAltName=$san"
  openssl req -new -key "$PKI/$name.key" -subj "$subject" 2>/dev/null |
    openssl x509 -req -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -set_serial "0x$(openssl rand -hex 16)" \
      -days 3650 -extfile <(printf '%s\n' "$ext") -out "$PKI/$name.crt" 2>/dev/null
}
# Credentials are embedded so the file can be copied or mounted elsewhere.
# A server other than loopback (the real node's view of the apiserver) is
# verified as `kubernetes`, a name the serving cert already has.
write_kubeconfig() {  # <file> <cert name> [server URL]
  local b64='base64 -w0' server=${3:-https://127.0.0.1:$APISERVER_PORT}
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kli8nt-testenv
  cluster:
    server: $server
    certificate-authority-data: $($b64 <"$PKI/ca.crt")${3:+
    tls-server-name: kubernetes}
users:
- name: $2
  user:
    client-certificate-data: $($b64 <"$PKI/$2.crt")
    client-key-data: $($b64 <"$PKI/$2.key")
contexts:
- name: kli8nt-testenv
  context: {cluster: kli8nt-testenv, user: $2}
current-context: kli8nt-testenv
EOF
  chmod 600 "$1"
}

etcd_running() { pid_alive "$(cat "$PID_DIR/etcd.pid" 2>/dev/null)" etcd; }
etcd_stop() { stop_pid "$(cat "$PID_DIR/etcd.pid" 2>/dev/null)" etcd; }
etcd_start() {
  mkdir -p "$RUN_DIR/etcd"
  # Plain HTTP on loopback: only the apiserver talks to it. No fsync: a
  # test cluster that loses its last writes on power loss is fine.
  spawn etcd "$BIN_DIR/etcd" --name testenv --data-dir "$RUN_DIR/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "testenv=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn --auto-compaction-mode periodic --auto-compaction-retention 10m
  wait_until 60 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
}

kube-apiserver_running() { pid_alive "$(cat "$PID_DIR/kube-apiserver.pid" 2>/dev/null)" kube-apiserver; }
kube-apiserver_stop() { stop_pid "$(cat "$PID_DIR/kube-apiserver.pid" 2>/dev/null)" kube-apiserver; }
kube-apiserver_start() {
  ensure_pki
  write_kubeconfig "$ADMIN_KUBECONFIG" admin
  # --endpoint-reconciler-type=none: the `kubernetes` Service would get a
  # loopback endpoint, which validation rejects every few seconds.
  # --kubelet-preferred-address-types=InternalIP: kwok gives every fake
  # node InternalIP 127.0.0.1 and its own port, so pods/log reaches kwok.
  spawn kube-apiserver "$BIN_DIR/kube-apiserver" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --endpoint-reconciler-type=none \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --profiling=false --event-ttl=30m
  wait_until 120 kube-apiserver apiserver_ready
}
apiserver_ready() {
  kube-apiserver_running || die "kube-apiserver exited (see $LOG_DIR/kube-apiserver.log)"
  [[ $(curl -sS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz") == ok ]]
}

kube-controller-manager_running() { pid_alive "$(cat "$PID_DIR/kube-controller-manager.pid" 2>/dev/null)" kube-controller-manager; }
kube-controller-manager_stop() { stop_pid "$(cat "$PID_DIR/kube-controller-manager.pid" 2>/dev/null)" kube-controller-manager; }
kube-controller-manager_start() {
  local kc=$RUN_DIR/k8s/controller-manager.kubeconfig
  write_kubeconfig "$kc" controller-manager
  # One instance only, so no leader election (it would delay start by a
  # lease period after every restart). Per-controller service accounts as
  # in a real cluster, so RBAC mistakes show up here too.
  # --node-monitor-grace-period: a kwok node that misses it is marked
  # NotReady, which sets Ready=False on all its pods, and kwok never makes a
  # running pod Ready again: Deployments stayed unavailable for good (the
  # chart suite's `helm --wait` timed out on CI). kwok renews leases (see
  # kwok_start); the long grace also rides out an apiserver restart on two
  # saturated cores. No test needs a node to go NotReady.
  spawn kube-controller-manager "$BIN_DIR/kube-controller-manager" \
    --node-monitor-grace-period=10m \
    --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --secure-port="$CM_PORT" --leader-elect=false \
    --controllers='*' --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --cluster-name=kli8nt-testenv --profiling=false
  wait_until 60 kube-controller-manager curl -fsSk "https://127.0.0.1:$CM_PORT/healthz"
}

kube-scheduler_running() { pid_alive "$(cat "$PID_DIR/kube-scheduler.pid" 2>/dev/null)" kube-scheduler; }
kube-scheduler_stop() { stop_pid "$(cat "$PID_DIR/kube-scheduler.pid" 2>/dev/null)" kube-scheduler; }
kube-scheduler_start() {
  local kc=$RUN_DIR/k8s/scheduler.kubeconfig
  write_kubeconfig "$kc" scheduler
  spawn kube-scheduler "$BIN_DIR/kube-scheduler" \
    --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false --profiling=false
  wait_until 60 kube-scheduler curl -fsSk "https://127.0.0.1:$SCHEDULER_PORT/healthz"
}

kwok_running() { pid_alive "$(cat "$PID_DIR/kwok.pid" 2>/dev/null)" kwok; }
kwok_stop() { stop_pid "$(cat "$PID_DIR/kwok.pid" 2>/dev/null)" kwok; }
kwok_start() {
  local d=$RUN_DIR/kwok
  mkdir -p "$KWOK_LOGS_DIR"
  # Logs CRDs: tests attach a CRI-format file to a pod (kind Logs, named
  # after the pod) and the apiserver's pods/log then streams it. The
  # ClusterLogs below is the fallback so every other pod has (empty) logs
  # instead of an error.
  kubectl_admin apply -f "$BIN_DIR/kwok-crds/" >/dev/null
  wait_until 60 "kwok's Logs CRDs" kubectl_admin wait --for=condition=Established --timeout=10s \
    crd/logs.kwok.x-k8s.io crd/clusterlogs.kwok.x-k8s.io
  touch "$KWOK_LOGS_DIR/default.log"
  kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: default
spec:
  selector: {}
  logs:
  - logsFile: $KWOK_LOGS_DIR/default.log
    follow: true
EOF
  # An explicit config file: without --config kwok would read ~/.kwok.
  cat >"$d/kwok.yaml" <<'EOF'
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options: {}
EOF
  # --node-lease-duration-seconds: without it kwok keeps no node Lease and
  # heartbeats in node status only every 20-45 s, which under load missed
  # the controller-manager's 50 s default: the kwok nodes flapped NotReady
  # every few minutes. With a lease, kwok renews it every 10 s.
  spawn kwok "$BIN_DIR/kwok" --config "$d/kwok.yaml" --kubeconfig "$ADMIN_KUBECONFIG" \
    --node-lease-duration-seconds=40 \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$PKI/kwok-serving.crt" --tls-private-key-file="$PKI/kwok-serving.key" \
    --enable-crds=Logs,ClusterLogs --cidr=10.244.0.0/16
  wait_until 60 kwok curl -fsSk "https://127.0.0.1:$KWOK_PORT/healthz"
  local i nodes=()
  for ((i = 0; i < KWOK_NODES; i++)); do
    nodes+=("kwok-node-$i")
    kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
EOF
  done
  # kubectl wait exits at once ("accessor error: <nil>") on an object whose
  # status has no conditions yet, so it is retried until the deadline.
  wait_until 60 "kwok nodes" kubectl_admin wait --for=condition=Ready --timeout=10s "${nodes[@]/#/node/}"
  # Pods are rejected until the controller-manager has made the namespace's
  # default ServiceAccount; tests should not have to retry for that.
  wait_until 60 "default ServiceAccount" kubectl_admin -n default get serviceaccount default
}


kubernetes_env() {
  cat <<EOF
export KUBECONFIG='$ADMIN_KUBECONFIG'
export KLI8NT_TEST_KWOK_LOGS_DIR='$KWOK_LOGS_DIR'
EOF
}
