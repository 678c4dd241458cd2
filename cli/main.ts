#!/usr/bin/env node
/**
 * The `tributary` entry. Before any other module loads (they need the Node.js release of .nvmrc; on an
 * older one the Kafka client dies deep inside with a TypeError), it checks the running node: in a
 * checkout, deploy/local/node/pinned-node.cjs runs the command on the pinned release instead, fetched
 * once from the npm registry, or stops at once with one line saying what to do. Only then is the
 * command line (dispatch.ts) loaded. This file imports nothing but Node's own modules, so it loads on
 * any node.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PinnedNode {
  run(argv: readonly string[]): Promise<void>;
  fits(): boolean;
}

const entry = fileURLToPath(import.meta.url);
// dist/cli/main.js or cli/main.ts: the package root is where .nvmrc is.
let root = dirname(dirname(entry));
if (!existsSync(join(root, '.nvmrc'))) root = dirname(root);
const launcher = join(root, 'deploy', 'local', 'node', 'pinned-node.cjs');
// A production image carries no launcher: it is built on the pinned release itself.
const pinned = existsSync(launcher) ? (createRequire(entry)(launcher) as PinnedNode) : undefined;
if (pinned && !pinned.fits()) await pinned.run([entry, ...process.argv.slice(2)]);
else await (await import('./dispatch.js')).runCli(process.argv.slice(2));
