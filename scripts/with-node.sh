#!/usr/bin/env bash
# with-node.sh <major> <command...>: runs the command with Node <major> first on PATH, so `node`, `npm`, `npx` and every
# child process (process.execPath) use it. The machine's own node when it is that major; otherwise the npm registry's
# `node` package (`npx -p node@<major>`, cached by npx), which is how CI gets Node 22 and 24 with nothing else downloaded.
# `with-node.sh <major> --print` prints the node binary instead.
set -euo pipefail
major="$1"; shift
if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
  bin="$(node -p process.execPath)"
else
  bin="$(npx -y -p "node@$major" node -p process.execPath)" \
    || { echo "with-node.sh: could not get node@$major from the npm registry (npx -p node@$major)" >&2; exit 1; }
fi
if [ "${1:-}" = "--print" ]; then echo "$bin"; exit 0; fi
PATH="$(dirname "$bin"):$PATH" exec "$@"
