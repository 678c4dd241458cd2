/**
 * What a newcomer sees: `tributary dev` in a pseudo-terminal (util-linux `script`) prints readable
 * lines, not JSON; a healthy start logs no warning or error; Ctrl-C stops every part gracefully,
 * exactly once; a broken ClickHouse URL ends with one line naming it. Kafka and ClickHouse are the
 * test stack's (given by flags), so `dev` runs only the receiver and the writer itself.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { selfCommand } from '../../core/self.js';
import { count, eventually, testClient } from '../harness/clickhouse.js';
import { testDevArgs, flagValue } from '../harness/dev.js';
import { clickhouseUrl, uniqueName } from '../harness/env.js';
import { freePort } from '../harness/stack.js';

const ANSI = /\x1b\[[0-9;]*m/g; // eslint-disable-line no-control-regex

interface Terminal {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  /** Everything printed so far, colour codes removed, lines split. */
  lines(): string[];
  text(): string;
  /** What the user's Ctrl-C sends: the terminal turns it into SIGINT for the foreground group. */
  ctrlC(): void;
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

function inTerminal(args: readonly string[]): Terminal {
  const self = selfCommand();
  // exec: the shell that script starts must not stay as a parent that dies of the Ctrl-C itself.
  const command = 'exec ' + [self.command, ...self.args, ...args].map(quote).join(' ');
  // -e: exit with the child's status; -f: flush as it comes; /dev/null: no typescript file.
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm-256color' },
    stdio: 'pipe',
  });
  let raw = '';
  child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const text = (): string => raw.replace(ANSI, '').replace(/\r/g, '');
  return {
    child,
    exited,
    text,
    lines: () => text().split('\n').filter(Boolean),
    ctrlC: () => child.stdin.write('\x03'),
  };
}

/** Lines of the kafkajs client: its start-up chatter goes away with the Kafka port that replaces it. */
const fromKafkaClient = (line: string): boolean =>
  /\bkafkajs\b|TimeoutNegativeWarning|Timeout duration was set|--trace-warnings/.test(line);

test(
  'dev in a terminal: readable lines, a quiet healthy start, one graceful Ctrl-C',
  { timeout: 120_000 },
  async (t) => {
    const database = uniqueName('console');
    const args = await testDevArgs(database, clickhouseUrl());
    t.after(() => rmSync(flagValue(args, '--state-dir'), { recursive: true, force: true }));
    const term = inTerminal(args);
    t.after(() => term.child.kill('SIGKILL'));
    await eventually(
      async () => Promise.resolve(term.text().includes('[dev] ready in') || term.child.exitCode !== null),
      90_000,
      'dev ready',
    );
    assert.ok(term.text().includes('[dev] ready in'), `dev did not start:\n${term.text()}`);

    const httpPort = flagValue(args, '--receiver-http-port');
    const body = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'console-test' } }] },
          scopeLogs: [
            { logRecords: [{ timeUnixNano: String(Date.now() * 1e6), body: { stringValue: 'hi' } }] },
          ],
        },
      ],
    });
    // CORS in dev: any origin by default, said at start (production keeps the allow-list: receiver tests).
    assert.match(term.text(), /CORS {8}any origin/);
    const preflight = await fetch(`http://127.0.0.1:${httpPort}/v1/logs`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://app.example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://app.example.test');
    const res = await fetch(`http://127.0.0.1:${httpPort}/v1/logs`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200);
    const client = testClient();
    t.after(() => client.close());
    await eventually(
      async () => (await count(client, `SELECT count() AS n FROM ${database}.otel_logs`)) === 1,
      30_000,
      'the log row',
    );

    term.ctrlC();
    assert.equal(await term.exited, 0, `dev exits 0 after Ctrl-C:\n${term.text().slice(-3000)}`);
    const lines = term.lines();
    const events = lines.filter((l) => !l.startsWith('[dev]') && !fromKafkaClient(l));
    // Readable: a time, a level and the component first; never a JSON object.
    assert.deepEqual(
      events.filter((l) => l.trimStart().startsWith('{')),
      [],
      'no JSON lines in a terminal',
    );
    assert.ok(
      events.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: receiver +│ receiver ready/.test(l)),
      `a readable receiver line:\n${events.join('\n')}`,
    );
    assert.ok(
      events.some((l) => /INFO: writer +│ writer ready/.test(l)),
      'a readable writer line',
    );
    // Quiet: nothing at warn or error on a healthy start and stop.
    assert.deepEqual(
      events.filter((l) => /\b(WARN|ERROR)\b/.test(l)),
      [],
      'no warn/error line on a healthy start',
    );
    // Exactly once: each child stops once, gracefully, with no second signal and no deadline.
    const once = (pattern: RegExp): number => events.filter((l) => pattern.test(l)).length;
    assert.equal(once(/writer +│ stopping/), 1, 'the writer is asked to stop once');
    assert.equal(once(/receiver +│ stopping/), 1, 'the receiver is asked to stop once');
    assert.equal(once(/writer +│ writer stopped/), 1, 'the writer finishes its graceful stop');
    assert.equal(once(/receiver +│ receiver stopped/), 1, 'the receiver finishes its graceful stop');
    assert.doesNotMatch(term.text(), /second signal|deadline passed/);
    assert.match(term.text(), /\[dev\] stopped/);
  },
);

test(
  'dev in a terminal with a broken ClickHouse URL ends with the error, named',
  { timeout: 60_000 },
  async (t) => {
    const database = uniqueName('console_bad');
    const broken = `http://127.0.0.1:${await freePort()}`;
    const args = await testDevArgs(database, broken);
    t.after(() => rmSync(flagValue(args, '--state-dir'), { recursive: true, force: true }));
    const term = inTerminal(args);
    t.after(() => term.child.kill('SIGKILL'));
    assert.equal(await term.exited, 1, term.text());
    const last = term.lines().at(-1) ?? '';
    assert.match(
      last,
      new RegExp(`^tributary: cannot create the tables in ClickHouse at ${broken}: .*ECONNREFUSED`),
    );
    assert.match(last, /--clickhouse-url/);
    assert.doesNotMatch(term.text(), /at TCPConnectWrap|Caused by/, 'no stack trace or client dump');
  },
);
