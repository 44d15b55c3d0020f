# Sourced by testenv: Go builds for the test world. The libs register their
# wrapper modules with go_module; the Kubernetes chain calls
# build_go_binaries before its first service starts.

# go_module <dir> <package...>, called by the libs: builds <package...> from
# the wrapper module in <dir>/ into BIN_DIR. Optional hooks, by name:
# <dir>_ldflags prints extra -ldflags, <dir>_post <out dir> fixes up the
# output (renames, files to keep beside the binaries).
GO_MODULES=()
declare -A GO_PACKAGES=()
go_module() { GO_MODULES+=("$1"); GO_PACKAGES[$1]="${*:2}"; }

# go_module_dir <dir>: where <dir>'s binaries are cached, keyed by its
# go.mod, go.sum and its hooks (cheap: the hooks' text, not their output).
go_module_dir() {
  echo "$CACHE_ROOT/testenv-go/$1-$( {
    cat "$SELF_DIR/$1/go.mod" "$SELF_DIR/$1/go.sum"
    declare -f "${1}_ldflags" "${1}_post" || true
    echo "${GO_PACKAGES[$1]} $K8S_VERSION"
  } | sha256sum | cut -c1-12)"
}

# One module: a tmp dir + rename makes an interrupted build invisible
# instead of half-present.
build_go_module() {
  local dir=$1 t=$SECONDS ldflags="" out
  out=$(go_module_dir "$dir")
  [[ -d $out ]] && return 0
  declare -F "${dir}_ldflags" >/dev/null && ldflags=$("${dir}_ldflags")
  rm -rf "$out.tmp"; mkdir -p "$out.tmp"
  local blog=$LOG_DIR/build-$dir.log
  log "building $dir (log: $blog)"
  # shellcheck disable=SC2086 # package lists are words
  (cd "$SELF_DIR/$dir" && go build -p 2 -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp/" ${GO_PACKAGES[$dir]}) >>"$blog" 2>&1 ||
    { tail -20 "$blog" >&2; log "error: building $dir failed (see $blog)"; return 1; }
  declare -F "${dir}_post" >/dev/null && "${dir}_post" "$out.tmp"
  chmod -R u+w "$out.tmp"
  mv "$out.tmp" "$out"
  log "$dir built in $((SECONDS - t))s"
}

# BIN_DIR holds a link to every registered module's files.
link_go_binaries() {
  local dir f
  rm -rf "$BIN_DIR"; mkdir -p "$BIN_DIR"
  for dir in "${GO_MODULES[@]}"; do
    for f in "$(go_module_dir "$dir")"/*; do ln -s "$f" "$BIN_DIR/"; done
  done
}

# Builds every registered module once per version key, three side by side
# (a big module keeps barely one core busy; the others fill the rest). A
# lock keeps two concurrent `up`s from building into the same directory.
build_go_binaries() {
  local dir todo=()
  for dir in "${GO_MODULES[@]}"; do [[ -d $(go_module_dir "$dir") ]] || todo+=("$dir"); done
  if ((${#todo[@]})); then
    command -v go >/dev/null || die "go not found (install Go >= 1.24 at /usr/local/go)"
    mkdir -p "$CACHE_ROOT/testenv-go"
    exec 8>"$CACHE_ROOT/testenv-go/.lock"
    flock 8
    local start=$SECONDS pids=() p
    log "building ${todo[*]} from the Go module proxy (first run on this machine only; 15-30 min cold on 2 cores)"
    for dir in "${todo[@]}"; do
      while ((${#pids[@]} >= 3)); do wait_first pids; done
      build_go_module "$dir" &
      pids+=($!)
    done
    while ((${#pids[@]})); do wait_first pids; done
    log "Go binaries ready in $((SECONDS - start))s"
    flock -u 8
  fi
  link_go_binaries
}
# wait_first <array name>: waits for one of the jobs and drops it from the
# array; the first failure stops the other builds instead of letting them finish.
wait_first() {
  local -n jobs=$1
  local finished p rest=()
  if ! wait -n -p finished "${jobs[@]}"; then
    for p in "${jobs[@]}"; do kill_tree "$p"; done
    die "Go build failed"
  fi
  for p in "${jobs[@]}"; do [[ $p == "$finished" ]] || rest+=("$p"); done
  jobs=("${rest[@]}")
}

timed() {  # <label> <command...>
  local t=$SECONDS label=$1; shift
  "$@" && log "$label ready in $((SECONDS - t))s"
}
