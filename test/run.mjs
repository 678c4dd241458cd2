// The test entry (`npm test`): starts one Kafka broker and one local ClickHouse server, runs every
// compiled test file with node:test against them, and stops them again whatever happens.
// Environment: TEST_FILTER=<substring> runs only matching files; TEST_KAFKA_BROKERS and
// TEST_CLICKHOUSE_URL point the tests at an already running stack instead.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out.sort();
}

// TEST_FILTER: comma-separated substrings of file paths (any may match).
const filters = (process.env.TEST_FILTER ?? '').split(',').filter(Boolean);
const filter = filters.join(',');
const files = findTests(testDir).filter(
  (f) => filters.length === 0 || filters.some((part) => f.includes(part)),
);
if (files.length === 0) {
  console.error(`no test files found under ${testDir}${filter ? ` matching ${filter}` : ''}`);
  process.exit(1);
}

const log = (line) => console.error(`[test-stack] ${line}`);
let stack;
if (!process.env.TEST_KAFKA_BROKERS || !process.env.TEST_CLICKHOUSE_URL) {
  const { startTestStack } = await import(join(root, 'dist', 'test', 'harness', 'stack.js'));
  stack = await startTestStack(log);
}

let stopping = false;
async function stop() {
  if (stopping || !stack) return;
  stopping = true;
  log('stopping');
  await stack.stop();
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => void stop().then(() => process.exit(130)));
}

// One file at a time: the chaos, outage and dev tests start their own JVMs and engines, and on two
// shared cores running them side by side turns timing into flakiness.
const concurrency = process.env.TEST_CONCURRENCY ?? '1';
const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], {
  stdio: 'inherit',
  env: { ...process.env, ...(stack?.env ?? {}) },
});
const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await stop();
process.exit(code);
