# shellcheck shell=bash
# Sourced by testenv: the local GitHub (src/github/main.ts), one Node
# process that serves git smart HTTP for every bare repository under the
# git root and, beside it, the GitHub REST endpoints the backend uses
# (GitHub Enterprise layout: API under /api/v3). Build pods clone from it
# over HTTPS with the tokens it mints; the backend uses it through the
# GitHub integration's apiBaseUrl.

GITHUB_PORT=${KLI8NT_TESTENV_GITHUB_PORT:-$((23086 + off))}
GITHUB_TLS_PORT=${KLI8NT_TESTENV_GITHUB_TLS_PORT:-$((23087 + off))}
GITHUB_DIR=$RUN_DIR/github
GIT_ROOT=${KLI8NT_TESTENV_GIT_ROOT:-$GITHUB_DIR/repos}
# The GitHub App the backend may authenticate as (its key is made below).
GITHUB_APP_ID=4242

SERVICES+=(github)
PORT+=([github]=$GITHUB_PORT)
GROUP+=([git]=github [github-api]=github)
APT_PACKAGES+=(git)
# Build pods reach it at NODE_HOST_IP through lib/node.sh's forwarders (it
# listens on loopback only); that needs lib/node.sh sourced before this one.
[[ -n ${NODE_HOST_IP:-} ]] && NODE_FORWARD_PORTS+=("$GITHUB_PORT" "$GITHUB_TLS_PORT")

# The address clone URLs name: the host side of the real node's veth, which
# build pods and (once the node is up) the host reach; loopback without a node.
github_public_ip() { echo "${NODE_HOST_IP:-127.0.0.1}"; }

# Secrets live in files (mode 600) that the server and tests read, so no
# token or key is ever on a command line or in `testenv env` output.
github_secrets() {
  mkdir -p "$GITHUB_DIR/tls" "$GIT_ROOT"
  chmod 700 "$GITHUB_DIR"
  if [[ ! -s $GITHUB_DIR/pat ]]; then
    (umask 077 && printf 'ghp_%s\n' "$(openssl rand -hex 18)" >"$GITHUB_DIR/pat")
  fi
  # GitHub Apps sign their JWTs with RS256, so this one is an RSA key.
  if [[ ! -s $GITHUB_DIR/app.pem ]]; then
    (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$GITHUB_DIR/app.pem" 2>/dev/null)
  fi
  # A CA of its own (the helpers come from lib/kubernetes.sh), and a
  # server certificate for every address it listens on, re-issued when
  # that set changes (the node's veth address may come or go).
  local san="IP:127.0.0.1,DNS:localhost"
  [[ -n ${NODE_HOST_IP:-} ]] && san+=",IP:$NODE_HOST_IP"
  if [[ $(cat "$GITHUB_DIR/tls/server.san" 2>/dev/null) != "$san" ]]; then
    rm -f "$GITHUB_DIR/tls/server.crt" "$GITHUB_DIR/tls/server.key"
  fi
  PKI=$GITHUB_DIR/tls new_ca ca kli8nt-testenv-github-ca
  PKI=$GITHUB_DIR/tls issue server /CN=kli8nt-testenv-github serverAuth "$san"
  echo "$san" >"$GITHUB_DIR/tls/server.san"
}

github_start() {
  github_secrets
  local root; root=$(cd "$SELF_DIR/../.." && pwd)
  [[ -f $root/node_modules/@backstage/cli/config/nodeTransform.cjs ]] ||
    die "github: node_modules missing in $root (run yarn install)"
  local ip; ip=$(github_public_ip)
  (
    cd "$root" || exit 1
    # Node 22 (put on PATH by env.sh, installed from the npm registry if missing).
    # shellcheck source=/dev/null
    source "$root/scripts/env.sh" >/dev/null
    spawn github node --require @backstage/cli/config/nodeTransform.cjs \
      "$SELF_DIR/src/github/main.ts" --root "$GIT_ROOT" \
      --listen "127.0.0.1:$GITHUB_PORT" --listen-tls "127.0.0.1:$GITHUB_TLS_PORT" \
      --tls-cert "$GITHUB_DIR/tls/server.crt" --tls-key "$GITHUB_DIR/tls/server.key" \
      --web-url "https://$ip:$GITHUB_TLS_PORT" --api-url "http://127.0.0.1:$GITHUB_PORT/api/v3" \
      --pat-file "$GITHUB_DIR/pat" --app-id "$GITHUB_APP_ID" --app-key-file "$GITHUB_DIR/app.pem" \
      --state-file "$GITHUB_DIR/state.json"
  )
  wait_until 60 github github_ready
}
github_ready() {
  github_running || die "github exited during start-up (see $LOG_DIR/github.log)"
  curl -fsS --cacert "$GITHUB_DIR/tls/ca.crt" "https://127.0.0.1:$GITHUB_TLS_PORT/api/v3/meta" &&
    curl -fsS "http://127.0.0.1:$GITHUB_PORT/api/v3/meta"
}
# The state file's path is unique to this run dir.
github_running() { pid_alive "$(cat "$PID_DIR/github.pid" 2>/dev/null)" "$GITHUB_DIR/state.json"; }
github_stop() { stop_pid "$(cat "$PID_DIR/github.pid" 2>/dev/null)" "$GITHUB_DIR/state.json"; }

github_env() {
  local ip; ip=$(github_public_ip)
  # _NODE: the address pods use, which the API's clone_url and html_url name
  # (and the GitHub integration's host must match); the plain ones: loopback.
  cat <<EOF
export KLI8NT_TEST_GIT_ROOT='$GIT_ROOT'
export KLI8NT_TEST_GIT_URL='https://127.0.0.1:$GITHUB_TLS_PORT'
export KLI8NT_TEST_GIT_URL_NODE='https://$ip:$GITHUB_TLS_PORT'
export KLI8NT_TEST_GITHUB_HOST='$ip:$GITHUB_TLS_PORT'
export KLI8NT_TEST_GITHUB_API='http://127.0.0.1:$GITHUB_PORT/api/v3'
export KLI8NT_TEST_GITHUB_CA_FILE='$GITHUB_DIR/tls/ca.crt'
export KLI8NT_TEST_GITHUB_TOKEN_FILE='$GITHUB_DIR/pat'
export KLI8NT_TEST_GITHUB_APP_ID='$GITHUB_APP_ID'
export KLI8NT_TEST_GITHUB_APP_KEY_FILE='$GITHUB_DIR/app.pem'
EOF
}
