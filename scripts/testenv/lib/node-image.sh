# shellcheck shell=bash
# Sourced by lib/node.sh: the images the real node needs, made from
# Debian's busybox-static and pushed to the testenv registry with curl
# (there is no public registry here, and no Docker).
#
# One layer (busybox + its applet links + /etc/passwd), built
# deterministically (sorted, mtime 0, root-owned, gzip -n), so the same
# Debian package always gives the same digests and a re-push is a no-op.
# Two configs share it: busybox (Cmd sh) and the pod sandbox ("pause": a
# sleep; containerd stops sandboxes with SIGKILL, so it need not handle
# signals).

# The installed package's version, else (a new machine: this file is
# sourced before `up` installs it) the version apt would install.
BUSYBOX_VERSION=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || true)
[[ -n $BUSYBOX_VERSION ]] || BUSYBOX_VERSION=$(apt-cache policy busybox-static 2>/dev/null |
  awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }')
BUSYBOX_VERSION=$(sed 's/^[0-9]*://; s/-.*//' <<<"${BUSYBOX_VERSION:-none}")
# As pods name them: `busybox:<v>` goes through the docker.io mirror, the
# others through the registry's own host:port (both end in the registry).
BUSYBOX_IMAGE=127.0.0.1:$REGISTRY_PORT/library/busybox:$BUSYBOX_VERSION
PAUSE_IMAGE=127.0.0.1:$REGISTRY_PORT/kli8nt-testenv/pause:busybox-$BUSYBOX_VERSION

# registry_api <curl args...>: the registry as seen from the host.
registry_api() { curl -fsS "$@"; }

push_blob() {  # <repo> <file> <digest>
  local base=http://127.0.0.1:$REGISTRY_PORT loc
  registry_api -o /dev/null -I "$base/v2/$1/blobs/$3" 2>/dev/null && return 0
  loc=$(registry_api -X POST -D - -o /dev/null "$base/v2/$1/blobs/uploads/" |
    awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
  [[ -n $loc ]] || die "registry gave no upload location for $1"
  [[ $loc == http* ]] || loc=$base$loc
  [[ $loc == *\?* ]] && loc+='&' || loc+='?'
  registry_api -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary "@$2" "${loc}digest=$3"
}

digest_of() { echo "sha256:$(sha256sum <"$1" | cut -d' ' -f1)"; }

# push_image <repo:tag> <layer.tar.gz> <config.json>
push_image() {
  local repo=${1%:*} tag=${1##*:} dir ld cd m
  dir=$(dirname "$3")
  ld=$(digest_of "$2"); cd=$(digest_of "$3")
  push_blob "$repo" "$2" "$ld"
  push_blob "$repo" "$3" "$cd"
  m=$dir/manifest-${repo//\//_}.json
  cat >"$m" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"$cd","size":$(stat -c %s "$3")},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"$ld","size":$(stat -c %s "$2")}]}
EOF
  registry_api -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$m" "http://127.0.0.1:$REGISTRY_PORT/v2/$repo/manifests/$tag"
}

# image_config <file> <config object>: an OCI image config whose rootfs is
# the busybox layer.
image_config() {
  cat >"$1" <<EOF
{"architecture":"amd64","os":"linux","config":$2,"rootfs":{"type":"layers","diff_ids":["$(digest_of "$NODE_IMAGE_DIR/layer.tar")"]}}
EOF
}

NODE_IMAGE_DIR=$RUN_DIR/node/image

node_images() {
  local d=$NODE_IMAGE_DIR t=$SECONDS
  [[ -x /bin/busybox ]] || die "busybox-static is not installed"
  registry_running || die "the registry is not running (testenv start registry)"
  rm -rf "$d"; mkdir -p "$d/rootfs"
  (
    cd "$d/rootfs" || exit 1
    mkdir -p bin sbin usr/bin usr/sbin etc root tmp var/www
    chmod 1777 tmp
    cp /bin/busybox bin/busybox
    local applet
    for applet in $(/bin/busybox --list-full); do
      [[ -e $applet ]] || ln -s /bin/busybox "$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >etc/passwd
    printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group
  )
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu \
    -C "$d/rootfs" -cf "$d/layer.tar" .
  gzip -n -6 <"$d/layer.tar" >"$d/layer.tar.gz"
  local path='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'
  image_config "$d/busybox.json" "{$path,\"Cmd\":[\"sh\"]}"
  image_config "$d/pause.json" "{$path,\"Entrypoint\":[\"/bin/sleep\",\"2147483647\"]}"
  push_image "${BUSYBOX_IMAGE#*/}" "$d/layer.tar.gz" "$d/busybox.json"
  push_image "library/busybox:latest" "$d/layer.tar.gz" "$d/busybox.json"
  push_image "${PAUSE_IMAGE#*/}" "$d/layer.tar.gz" "$d/pause.json"
  rm -rf "$d/rootfs" "$d/layer.tar"
  log "images busybox:$BUSYBOX_VERSION and pause pushed in $((SECONDS - t))s"
}
