# shellcheck shell=bash
# Sourced by testenv: one real Kubernetes node beside the kwok ones —
# containerd, kubelet, kube-proxy and CoreDNS — contained in a network
# namespace of its own. See README.md, "The real node".
#
# Containment: everything that dials pods (kubelet probes, kube-proxy,
# CoreDNS, the CNI bridge) lives in the namespace $NODE_NETNS, which has no
# default route. The host reaches it over one veth pair with two addresses
# of ours, and holds `unreachable` routes for the pod, kwok and Service
# CIDRs (added before anything starts) so no packet to them ever leaves the
# machine. Host services the node needs listen on 127.0.0.1 only; socat
# forwards NODE_HOST_IP:<port> to them (one process per port, nothing bound
# to 0.0.0.0 or to an external interface).

[[ ${KLI8NT_TESTENV_NODE:-on} == off ]] && { node_env() { :; }; return 0; }

NODE_NAME=${KLI8NT_TESTENV_NODE_NAME:-real-node}
NODE_NETNS=kli8nt-node-$off
NODE_NETNS_PATH=/var/run/netns/$NODE_NETNS
NODE_VETH=kli8nt-$off  # host side; eth0 inside the namespace
# One /30 per port offset out of 10.250.0.0/16: .1 host, .2 namespace.
_node_base=$(((off % 16384) * 4))
NODE_HOST_IP=10.250.$((_node_base / 256)).$((_node_base % 256 + 1))
NODE_IP=10.250.$((_node_base / 256)).$((_node_base % 256 + 2))
NODE_POD_CIDR=10.245.0.0/16  # exists only inside the namespace
NODE_POD_RANGE=10.245.0.0/24
KWOK_POD_CIDR=10.244.0.0/16 SERVICE_CIDR=10.96.0.0/16
# Each environment's unreachable routes carry their own metric, so two
# environments add and remove the same prefixes without touching the other's.
NODE_ROUTE_METRIC=$((4000 + off))
NODE_TAG=kli8nt-node-$off  # iptables comment and cgroup parent
NODE_DIR=$RUN_DIR/node
CTRD_DIR=$NODE_DIR/containerd
CTRD_SOCK=$CTRD_DIR/containerd.sock
KUBELET_DIR=$NODE_DIR/kubelet
COREDNS_READY_PORT=8181  # inside the namespace, on its loopback
# Host ports the namespace reaches at NODE_HOST_IP; later libs may append.
NODE_FORWARD_PORTS=("$APISERVER_PORT" "$REGISTRY_PORT")

NODE_SERVICES=(node-net node-forward containerd kubelet kube-proxy coredns)
SERVICES+=("${NODE_SERVICES[@]}")
CHAINED+=("${NODE_SERVICES[@]}")
GROUP+=([node]="${NODE_SERVICES[*]}")
# Inside the namespace (on NODE_IP), for `status`.
PORT+=([kubelet]=10250 [coredns]=53)
APT_PACKAGES+=(containerd runc containernetworking-plugins iptables socat busybox-static)
go_module coredns .

# shellcheck source=lib/node-image.sh
source "$SELF_DIR/lib/node-image.sh"

in_node() { nsenter --net="$NODE_NETNS_PATH" -- "$@"; }
ctr_node() { ctr --address "$CTRD_SOCK" --namespace k8s.io "$@"; }

# ---------------------------------------------------------------- network --

node_routes() {
  local cidr
  for cidr in "$NODE_POD_CIDR" "$KWOK_POD_CIDR" "$SERVICE_CIDR"; do "$@" "$cidr"; done
}
route_add() { ip route replace unreachable "$1" metric "$NODE_ROUTE_METRIC"; }
route_del() { ip route del unreachable "$1" metric "$NODE_ROUTE_METRIC" 2>/dev/null || true; }
# iptables rules on the host, found again by their comment.
host_rules() { iptables -S FORWARD | grep -F -- "--comment $NODE_TAG" || true; }

node-net_pid() { echo "netns:$NODE_NETNS"; }
node-net_running() { [[ -e $NODE_NETNS_PATH ]] && ip link show "$NODE_VETH" >/dev/null 2>&1; }
node-net_start() {
  node-net_cleanup  # a half-made namespace from a crash
  node_routes route_add
  # Defense in depth: even a host with ip_forward=1 (Docker) never routes
  # between the namespace and anything else.
  iptables -I FORWARD -i "$NODE_VETH" -j DROP -m comment --comment "$NODE_TAG"
  iptables -I FORWARD -o "$NODE_VETH" -j DROP -m comment --comment "$NODE_TAG"
  ip netns add "$NODE_NETNS"
  ip link add "$NODE_VETH" type veth peer name eth0 netns "$NODE_NETNS"
  ip addr add "$NODE_HOST_IP/30" dev "$NODE_VETH"
  ip link set "$NODE_VETH" up
  in_node ip link set lo up
  in_node ip addr add "$NODE_IP/30" dev eth0
  in_node ip link set eth0 up
  # Only the connected /30: no default route, so nothing leaves.
  # Pod -> host traffic is masqueraded to NODE_IP, because the host holds an
  # unreachable route for the pod CIDR and could not answer a pod address.
  in_node sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  in_node iptables -t nat -A POSTROUTING -s "$NODE_POD_CIDR" -o eth0 -j MASQUERADE
  # Pods get their own cgroup parent, so two environments never share one.
  local c
  for c in /sys/fs/cgroup/*/; do
    mountpoint -q "$c" || continue
    mkdir -p "$c$NODE_TAG"
    if [[ -f ${c}cpuset.cpus ]]; then
      cat "${c}cpuset.cpus" >"$c$NODE_TAG/cpuset.cpus"
      cat "${c}cpuset.mems" >"$c$NODE_TAG/cpuset.mems"
    fi
  done
  # A real node has its cores to itself; here it shares them with the test
  # runner, and at the default weight (one host process's) a build pod's
  # small request left it a sliver of CPU whenever the host was busy.
  if [[ -f /sys/fs/cgroup/cpu/$NODE_TAG/cpu.shares ]]; then echo 4096 >"/sys/fs/cgroup/cpu/$NODE_TAG/cpu.shares"; fi
}
node-net_stop() { node-net_cleanup; }
node-net_cleanup() {
  local rule c
  [[ -e $NODE_NETNS_PATH ]] && ip netns del "$NODE_NETNS"
  ip link del "$NODE_VETH" 2>/dev/null || true  # gone with the namespace, unless half-made
  while read -r rule; do
    [[ -n $rule ]] && eval "iptables ${rule/-A /-D }"
  done < <(host_rules)
  node_routes route_del
  # The kubelet's volumes and its shared root-dir bind mount.
  unmount_under "$NODE_DIR"
  mountpoint -q "$KUBELET_DIR" 2>/dev/null && umount -l "$KUBELET_DIR"
  # The kubelet links container logs from a fixed, machine-wide directory.
  find /var/log/containers -maxdepth 1 -type l -lname "$NODE_DIR/*" -delete 2>/dev/null || true
  for c in /sys/fs/cgroup/*/"$NODE_TAG"; do
    [[ -d $c ]] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}

# socat per port: NODE_HOST_IP:<port> -> 127.0.0.1:<port>.
node-forward_running() {
  local p
  for p in "${NODE_FORWARD_PORTS[@]}"; do
    pid_alive "$(cat "$PID_DIR/node-forward-$p.pid" 2>/dev/null)" "bind=$NODE_HOST_IP" || return 1
  done
}
node-forward_pid() { cat "$PID_DIR"/node-forward-*.pid 2>/dev/null | paste -sd, -; }
node-forward_start() {
  local p
  for p in "${NODE_FORWARD_PORTS[@]}"; do
    pid_alive "$(cat "$PID_DIR/node-forward-$p.pid" 2>/dev/null)" "bind=$NODE_HOST_IP" && continue
    spawn "node-forward-$p" socat "TCP4-LISTEN:$p,bind=$NODE_HOST_IP,reuseaddr,fork,backlog=128" "TCP4:127.0.0.1:$p"
  done
  wait_until 10 node-forward curl -fsS -o /dev/null "http://$NODE_HOST_IP:$REGISTRY_PORT/v2/"
}
# `down` must kill them all even when one is missing (then _running is false).
node-forward_cleanup() { node-forward_stop; }
node-forward_stop() {
  local f pid
  for f in "$PID_DIR"/node-forward-*.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    # The group too: each open connection is a forked child.
    pid_alive "$pid" socat && kill -TERM -- "-$pid" 2>/dev/null
    rm -f "$f"
  done
  return 0
}

# ------------------------------------------------------------- containerd --

containerd_running() { pid_alive "$(cat "$PID_DIR/containerd.pid" 2>/dev/null)" "$CTRD_DIR/config.toml"; }
containerd_start() {
  local reg=$NODE_HOST_IP:$REGISTRY_PORT h
  mkdir -p "$CTRD_DIR/cni" "$CTRD_DIR/certs.d"
  node_images
  # Both `docker.io/...` and `127.0.0.1:<registry port>/...` (what tests and
  # the build role push to) pull from the registry over the veth, plain
  # HTTP; `server` is the registry too, so there is no fallback to the
  # internet either.
  for h in docker.io "127.0.0.1:$REGISTRY_PORT" "$reg"; do
    mkdir -p "$CTRD_DIR/certs.d/$h"
    printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' \
      "$reg" "$reg" >"$CTRD_DIR/certs.d/$h/hosts.toml"
  done
  cat >"$CTRD_DIR/cni/10-kli8nt.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "kli8nt", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$NODE_POD_RANGE"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$CTRD_DIR/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
EOF
  # restrict_oom_score_adj: no CAP_SYS_RESOURCE here, so the sandbox's -998
  # would be refused. Pod netns files under the state dir, not the shared
  # /var/run/netns. Streaming (exec, logs -f, port-forward) on the
  # namespace's loopback, where the kubelet proxies it.
  cat >"$CTRD_DIR/config.toml" <<EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.internal.v1.opt", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  level = "warn"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$CTRD_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CTRD_DIR/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CTRD_DIR/certs.d"
EOF
  # nsenter, not `ip netns exec`: that remounts /sys and hides the cgroups.
  spawn containerd nsenter --net="$NODE_NETNS_PATH" -- containerd --config "$CTRD_DIR/config.toml"
  wait_until 30 containerd ctr --address "$CTRD_SOCK" version
}
# Stopping the runtime stops its containers: tasks are killed and deleted
# through containerd (the shims then exit and clean up after themselves),
# the containers' records dropped so the next start begins empty, and
# anything left in our cgroups or shims (reparented to init) killed.
containerd_stop() {
  local id
  for id in $(ctr_node tasks ls -q 2>/dev/null); do ctr_node tasks kill -s SIGKILL "$id" 2>/dev/null || true; done
  for id in $(ctr_node tasks ls -q 2>/dev/null); do
    wait_until 10 "task $id exit" task_stopped "$id" || true
    ctr_node tasks delete -f "$id" >/dev/null 2>&1 || true
  done
  for id in $(ctr_node containers ls -q 2>/dev/null); do ctr_node containers delete "$id" >/dev/null 2>&1 || true; done
  stop_pid "$(cat "$PID_DIR/containerd.pid" 2>/dev/null)" "$CTRD_DIR/config.toml"
  containerd_cleanup
}
task_stopped() { [[ $(ctr_node tasks ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }') != RUNNING ]]; }
containerd_cleanup() {
  local pid cg=/sys/fs/cgroup/pids/$NODE_TAG
  if [[ -d $cg ]]; then
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done < <(find "$cg" -name cgroup.procs -exec cat {} +)
  fi
  for pid in $(pgrep -f -- "-address $CTRD_SOCK" || true); do kill -KILL "$pid" 2>/dev/null || true; done
  unmount_under "$CTRD_DIR"
  # Ephemeral by design (like /run); images and snapshots in root/ stay.
  rm -rf "$CTRD_DIR/state" "$CTRD_DIR/runc" "$CTRD_DIR/ipam"
  # Shims make this machine-wide dir for their sockets; gone when empty.
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true
}
# Deepest first; lazy, because a dying shim may still hold a rootfs.
unmount_under() {
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# ---------------------------------------------------------------- kubelet --

APISERVER_FROM_NODE=https://$NODE_HOST_IP:$APISERVER_PORT
node_pki() {
  local crt=$PKI/node-$NODE_NAME-serving.crt
  # The serving cert names NODE_IP, which follows the port offset.
  if [[ -f $crt ]] && ! openssl x509 -in "$crt" -noout -ext subjectAltName | grep -qF "IP Address:$NODE_IP"; then
    rm -f "$crt"
  fi
  issue "node-$NODE_NAME-serving" "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"
  # Node authorization: system:node:<name> in system:nodes.
  issue "node-$NODE_NAME-client" "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  issue kube-proxy /CN=system:kube-proxy clientAuth  # bound by system:node-proxier
  issue coredns /CN=system:coredns clientAuth
  write_kubeconfig "$NODE_DIR/kubelet.kubeconfig" "node-$NODE_NAME-client" "$APISERVER_FROM_NODE"
  write_kubeconfig "$NODE_DIR/kube-proxy.kubeconfig" kube-proxy "$APISERVER_FROM_NODE"
  write_kubeconfig "$NODE_DIR/coredns.kubeconfig" coredns "$APISERVER_FROM_NODE"
}

# The kubelet "fixes" six global sysctls (panic_on_oops=1, …) that belong
# to the machine, not to us. It runs in a mount namespace of its own where
# those files read as the values it wants, so it never writes the real
# ones. Its root dir is a shared bind mount, so the volumes it mounts there
# (Secrets, tokens) still reach containerd in the host's mount namespace.
KUBELET_SYSCTLS=(vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1
  kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000)

kubelet_running() { pid_alive "$(cat "$PID_DIR/kubelet.pid" 2>/dev/null)" "$NODE_DIR/kubelet.yaml"; }
kubelet_stop() { stop_pid "$(cat "$PID_DIR/kubelet.pid" 2>/dev/null)" "$NODE_DIR/kubelet.yaml"; }
kubelet_start() {
  local s masks=""
  mkdir -p "$KUBELET_DIR" "$NODE_DIR/pod-logs" "$NODE_DIR/sysctl/vm" "$NODE_DIR/sysctl/kernel/keys"
  node_pki
  if ! mountpoint -q "$KUBELET_DIR"; then
    mount --bind "$KUBELET_DIR" "$KUBELET_DIR"
    mount --make-shared "$KUBELET_DIR"
  fi
  for s in "${KUBELET_SYSCTLS[@]}"; do
    echo "${s#*=}" >"$NODE_DIR/sysctl/${s%%=*}"
    masks+="mount --bind '$NODE_DIR/sysctl/${s%%=*}' '/proc/sys/${s%%=*}' && "
  done
  echo "nameserver $NODE_IP" >"$NODE_DIR/resolv.conf"
  # Tiny eviction thresholds and no image GC: the disk is shared with the
  # Go build cache, and a test pod evicted for that would be a mystery.
  cat >"$NODE_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/node-$NODE_NAME-serving.crt
tlsPrivateKeyFile: $PKI/node-$NODE_NAME-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$CTRD_SOCK
cgroupDriver: cgroupfs
cgroupRoot: /$NODE_TAG
failCgroupV1: false
failSwapOn: false
oomScoreAdj: 0
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
resolvConf: $NODE_DIR/resolv.conf
podLogsDir: $NODE_DIR/pod-logs
registerWithTaints: [{key: kli8nt.io/node, value: real, effect: NoSchedule}]
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 50Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
maxPods: 50
EOF
  local since; since=$(date -u +%FT%TZ)
  spawn kubelet nsenter --net="$NODE_NETNS_PATH" -- unshare --mount --propagation unchanged -- \
    /bin/sh -c "${masks}exec \"\$@\"" kubelet "$BIN_DIR/kubelet" \
    --config="$NODE_DIR/kubelet.yaml" --kubeconfig="$NODE_DIR/kubelet.kubeconfig" \
    --root-dir="$KUBELET_DIR" --cert-dir="$KUBELET_DIR/pki" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --node-labels=kli8nt.io/node=real \
    --containerd="$CTRD_SOCK"  # cAdvisor's own client, else /run/containerd's (someone else's)
  wait_until 120 kubelet node_ready "$since"
}
# Ready, as reported by this kubelet: the Node object keeps the condition
# of the previous run, so its heartbeat must be newer than the start.
node_ready() {
  kubelet_running || die "kubelet exited (see $LOG_DIR/kubelet.log)"
  local ready='{.status.conditions[?(@.type=="Ready")]' r
  r=$(kubectl_admin get node "$NODE_NAME" -o "jsonpath=$ready.status} $ready.lastHeartbeatTime}") || return 1
  [[ ${r% *} == True && ! ${r#* } < $1 ]]
}

# ------------------------------------------------------------- kube-proxy --

kube-proxy_running() { pid_alive "$(cat "$PID_DIR/kube-proxy.pid" 2>/dev/null)" "$NODE_DIR/kube-proxy.kubeconfig"; }
kube-proxy_stop() { stop_pid "$(cat "$PID_DIR/kube-proxy.pid" 2>/dev/null)" "$NODE_DIR/kube-proxy.kubeconfig"; }
kube-proxy_start() {
  # The apiserver runs with --endpoint-reconciler-type=none; give the
  # `kubernetes` Service the address pods can reach it at.
  kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes
  namespace: default
  labels: {kubernetes.io/service-name: kubernetes, endpointslice.kubernetes.io/managed-by: kli8nt-testenv}
addressType: IPv4
endpoints: [{addresses: ["$NODE_HOST_IP"]}]
ports: [{name: https, port: $APISERVER_PORT, protocol: TCP}]
EOF
  # conntrack sizes and timeouts = 0: leave the kernel's (partly global)
  # values alone; --oom-score-adj=0: a negative one is refused here.
  spawn kube-proxy nsenter --net="$NODE_NETNS_PATH" -- "$BIN_DIR/kube-proxy" \
    --kubeconfig="$NODE_DIR/kube-proxy.kubeconfig" --hostname-override="$NODE_NAME" \
    --proxy-mode=iptables --cluster-cidr="$NODE_POD_CIDR" --oom-score-adj=0 \
    --conntrack-max-per-core=0 --conntrack-min=0 \
    --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0 \
    --iptables-localhost-nodeports=false \
    --metrics-bind-address=127.0.0.1:10249 --healthz-bind-address=127.0.0.1:10256
  wait_until 60 kube-proxy in_node curl -fsS http://127.0.0.1:10256/healthz
}

# ---------------------------------------------------------------- coredns --

# A process in the namespace on NODE_IP:53, the kubelet's clusterDNS. It
# answers cluster.local and the reverse zones of our CIDRs and nothing else
# (no forward plugin: other names get REFUSED, no upstream is ever asked).
coredns_running() { pid_alive "$(cat "$PID_DIR/coredns.pid" 2>/dev/null)" "$NODE_DIR/Corefile"; }
coredns_stop() { stop_pid "$(cat "$PID_DIR/coredns.pid" 2>/dev/null)" "$NODE_DIR/Corefile"; }
coredns_start() {
  kubectl_admin apply -f - >/dev/null <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:coredns"}]
EOF
  cat >"$NODE_DIR/Corefile" <<EOF
cluster.local:53 96.10.in-addr.arpa:53 245.10.in-addr.arpa:53 {
  bind $NODE_IP
  ready 127.0.0.1:$COREDNS_READY_PORT
  errors
  kubernetes cluster.local 96.10.in-addr.arpa 245.10.in-addr.arpa {
    kubeconfig $NODE_DIR/coredns.kubeconfig kli8nt-testenv
    pods insecure
    ttl 5
  }
  cache 5
}
EOF
  spawn coredns nsenter --net="$NODE_NETNS_PATH" -- "$BIN_DIR/coredns" -conf "$NODE_DIR/Corefile"
  wait_until 60 coredns in_node curl -fsS "http://127.0.0.1:$COREDNS_READY_PORT/ready"
}

node_env() {
  cat <<EOF
export KLI8NT_TEST_REAL_NODE='$NODE_NAME'
export KLI8NT_TEST_NODE_NETNS='$NODE_NETNS'
export KLI8NT_TEST_NODE_HOST_IP='$NODE_HOST_IP'
export KLI8NT_TEST_NODE_IP='$NODE_IP'
export KLI8NT_TEST_NODE_REGISTRY='$NODE_HOST_IP:$REGISTRY_PORT'
export KLI8NT_TEST_BUSYBOX_IMAGE='$BUSYBOX_IMAGE'
EOF
}
