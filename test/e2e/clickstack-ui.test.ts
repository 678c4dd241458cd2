/**
 * ClickStack in two commands: `tributary dev` serves the ClickStack UI, and a real headless Chromium
 * uses it on the data the OpenTelemetry SDKs and an instrumented web page sent. Onboarding creates
 * the four sources; log search, the trace waterfall, the client sessions list with its replay and a
 * metrics chart each show the rows that were sent. Every ClickHouse query the UI makes must succeed
 * (same origin, no CORS), apart from the one that fails on any ClickHouse (browser.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { selfCommand } from '../../core/self.js';
import { APP_SERVICE, BUTTON_TEXT, VISITOR_EMAIL, playBrowserSession } from '../fixtures/browser-session.js';
import * as shop from '../fixtures/clickstack-telemetry.js';
import { quickStartRequest } from '../fixtures/quick-start.js';
import { type UiQuery, isKnownUiFailure, launchChromium, recordQueries } from '../harness/browser.js';
import { eventually } from '../harness/clickhouse.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { freePort } from '../harness/stack.js';

/**
 * The attribute layout dev's migrate gives the tables: CLICKSTACK_UI_ATTRIBUTES=json runs the same
 * test on the JSON-typed layout (the exporter's `json: true` tables); map, ClickStack's own, by default.
 */
const ATTRIBUTES = process.env['CLICKSTACK_UI_ATTRIBUTES'] === 'json' ? 'json' : 'map';
/** `key` of an attribute column, in the layout's own syntax. */
const attribute = (column: string, key: string): string =>
  ATTRIBUTES === 'json' ? `toString(getSubcolumn(${column}, '${key}'))` : `${column}['${key}']`;

/** `dev` with its own local ClickHouse (the one that serves the UI) on the test run's Kafka. */
async function startDev(
  stateDir: string,
): Promise<{ ui: string; clickhouse: string; receiver: string; stop(): Promise<void> }> {
  const prefix = uniqueName('ui');
  const http = await freePort();
  const args = [
    'dev',
    ...[
      '--state-dir',
      stateDir,
      '--kafka-brokers',
      kafkaBrokers().join(','),
      '--topics-prefix',
      `${prefix}.`,
    ],
    ...['--writer-group-id', prefix, '--clickhouse-port', '0', '--receiver-http-port', String(http)],
    ...['--receiver-grpc-port', String(await freePort()), '--receiver-health-port', String(await freePort())],
    ...['--writer-health-port', String(await freePort()), '--receiver-metrics-port', '0'],
    ...['--writer-metrics-port', '0', '--writer-flush-interval-ms', '300', '--log-level', 'warn'],
    ...['--schema-attributes', ATTRIBUTES],
  ];
  const self = selfCommand();
  const dev = spawn(self.command, [...self.args, ...args], {
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await eventually(
      async () => Promise.resolve(/\[dev\] Ctrl-C stops everything/.test(output) || dev.exitCode !== null),
      120_000,
      'the ready banner',
    );
  } finally {
    if (!/ClickStack {2}open/.test(output)) dev.kill('SIGTERM');
  }
  const ui = /ClickStack {2}open (http:\/\/\S+\/clickstack) \(user default, no password/.exec(output)?.[1];
  assert.ok(ui, `the ready banner names the UI:\n${output}`);
  return {
    ui,
    clickhouse: new URL(ui).origin,
    receiver: `http://127.0.0.1:${http}`,
    async stop() {
      if (dev.exitCode !== null || dev.signalCode !== null) return;
      const exited = new Promise((done) => dev.once('exit', done));
      dev.kill('SIGTERM');
      await exited;
    },
  };
}

async function rowsOf(clickhouse: string, sql: string): Promise<number> {
  const answer = await fetch(`${clickhouse}/?query=${encodeURIComponent(sql)}`);
  return Number((await answer.text()).trim());
}

/** The queries made since `from` that read `table` and whose answer contains `text`. */
const answered = (queries: readonly UiQuery[], from: number, table: string, text: string): UiQuery[] =>
  queries.slice(from).filter((q) => q.status === 200 && q.sql.includes(table) && q.body.includes(text));

/** A source as the UI keeps it in the browser (local mode). */
interface Source {
  readonly kind: string;
  readonly id: string;
  readonly from: { readonly tableName: string };
  readonly metricTables?: { readonly gauge: string };
}

describe('the ClickStack UI served by `tributary dev`, in a real browser', { timeout: 300_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tributary-ui-'));
  let stack: Awaited<ReturnType<typeof startDev>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let recorded: ReturnType<typeof recordQueries>;
  let traceId = '';
  let sessionId = '';
  const quickStart = quickStartRequest();
  let sources: Record<string, Source>;

  before(async () => {
    stack = await startDev(stateDir);
    browser = await launchChromium();
    [{ traceId }, sessionId] = await Promise.all([
      shop.sendServiceTelemetry(stack.receiver),
      playBrowserSession(browser.context, stack.receiver),
      fetch(`${stack.receiver}${quickStart.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: quickStart.body,
      }).then((answer) => assert.equal(answer.status, 200, 'the quick start request is accepted')),
    ]);
    // Everything sent is in ClickHouse before the UI looks (the counts say what is missing if not).
    const expected = {
      [`otel_traces WHERE TraceId = '${traceId}'`]: 2,
      [`otel_logs WHERE ServiceName = '${shop.SERVICE}'`]: 3,
      [`otel_metrics_gauge WHERE MetricName = '${shop.GAUGE}'`]: shop.GAUGE_VALUES.length,
      [`hyperdx_sessions WHERE ${attribute('ResourceAttributes', 'rum.sessionId')} = '${sessionId}'`]: 1,
      [`otel_traces WHERE ServiceName = '${APP_SERVICE}' AND SpanName = 'click'`]: 3,
      [`otel_logs WHERE ServiceName = '${quickStart.service}' AND Body = '${quickStart.logBody}'`]: 1,
    };
    let counts: Record<string, number> = {};
    const landed = async (): Promise<boolean> => {
      counts = {};
      for (const where of Object.keys(expected))
        counts[where] = await rowsOf(stack.clickhouse, `SELECT count() FROM ${where}`);
      return Object.entries(expected).every(([where, least]) => counts[where]! >= least);
    };
    await eventually(landed, 90_000, 'the telemetry in ClickHouse').catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(counts)}`);
    });
    // The layout the run asked for is the one the UI reads.
    const layout = await fetch(
      `${stack.clickhouse}/?query=${encodeURIComponent("SELECT type FROM system.columns WHERE table = 'otel_logs' AND name = 'LogAttributes'")}`,
    );
    assert.equal(
      (await layout.text()).trim(),
      ATTRIBUTES === 'json' ? 'JSON' : 'Map(LowCardinality(String), String)',
    );
    page = await browser.context.newPage();
    recorded = recordQueries(page, stack.clickhouse);
  });
  /** Waits until a query made since `from` read `table` and answered with `text`. */
  const seen = (from: number, table: string, text: string): Promise<void> =>
    eventually(
      async () => Promise.resolve(answered(recorded.queries, from, table, text).length > 0),
      10_000,
      `a query on ${table} answering ${text}`,
    );
  after(async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('onboarding detects the four tables and creates the sources, over same-origin queries', async () => {
    await page.goto(stack.ui);
    await page.getByText('Automatically detected and created 4 sources').waitFor({ timeout: 60_000 });
    const stored = await page.evaluate(
      () => JSON.parse(localStorage.getItem('hdx-local-source') ?? '[]') as Source[],
    );
    sources = Object.fromEntries(stored.map((s) => [s.kind, s]));
    assert.equal(sources['log']?.from.tableName, 'otel_logs');
    assert.equal(sources['trace']?.from.tableName, 'otel_traces');
    assert.equal(sources['session']?.from.tableName, 'hyperdx_sessions');
    assert.equal(sources['metric']?.metricTables?.gauge, 'otel_metrics_gauge');
    assert.ok(
      recorded.queries.some((q) => q.sql.includes('system.tables') && q.body.includes('otel_traces')),
    );
  });

  test('log search shows the logs that were sent', async () => {
    const from = recorded.queries.length;
    const where = encodeURIComponent(`ServiceName:"${shop.SERVICE}"`);
    await page.goto(`${stack.ui}/search?source=${sources['log']!.id}&where=${where}&whereLanguage=lucene`);
    for (const body of shop.LOG_BODIES) await page.getByText(body).first().waitFor();
    await page.getByText('3 Results').waitFor();
    await seen(from, 'otel_logs', shop.LOG_BODIES[2]);
  });

  test("log search shows the README quick start's log beside the SDK's logs", async () => {
    const from = recorded.queries.length;
    await page.goto(`${stack.ui}/search?source=${sources['log']!.id}`);
    await page.getByText(quickStart.logBody, { exact: true }).first().waitFor();
    await page.getByText(shop.LOG_BODIES[0]).first().waitFor();
    // The README's picture (CLICKSTACK_SCREENSHOT=docs/clickstack-ui.png takes it again).
    if (process.env['CLICKSTACK_SCREENSHOT'])
      await page.screenshot({ path: process.env['CLICKSTACK_SCREENSHOT'] });
    await seen(from, 'otel_logs', quickStart.logBody);
  });

  test('the trace waterfall shows both spans, their logs and the span event', async () => {
    const from = recorded.queries.length;
    await page.goto(`${stack.ui}/search?source=${sources['trace']!.id}&traceId=${traceId}`);
    // With a traceId in the URL the search opens the trace's side panel by itself.
    await page.getByText('2 spans, 3 logs').waitFor();
    await page.getByText(`${shop.SERVICE} | ${shop.CHILD_SPAN}`).waitFor();
    await page.getByText(`${shop.SERVICE} | ${shop.LOG_BODIES[2]}`).waitFor(); // a correlated log
    // The root span's details list its span event.
    await page.getByText(`${shop.SERVICE} | ${shop.ROOT_SPAN}`).click();
    await page.getByText('card declined', { exact: true }).first().waitFor();
    await seen(from, 'otel_traces', shop.CHILD_SPAN);
  });

  test("the sessions list shows the browser's session, and the replay plays its page", async () => {
    const from = recorded.queries.length;
    await page.goto(`${stack.ui}/sessions?sessionSource=${sources['session']!.id}`);
    await page.getByText(VISITOR_EMAIL).first().click();
    await page.getByText('Session Player').waitFor();
    // rrweb rebuilds the recorded page in a frame of the player.
    const replayed = page.locator('iframe').first().contentFrame().getByText(BUTTON_TEXT);
    await replayed.waitFor({ timeout: 30_000 });
    await seen(from, 'otel_traces', VISITOR_EMAIL); // the sessions list
    await seen(from, 'hyperdx_sessions', BUTTON_TEXT); // the replay
  });

  test('a metrics chart draws the gauge that was sent', async () => {
    const from = recorded.queries.length;
    const config = {
      select: [
        {
          aggFn: 'max',
          valueExpression: 'Value',
          aggCondition: '',
          aggConditionLanguage: 'lucene',
          metricName: shop.GAUGE,
          metricType: 'gauge',
        },
      ],
      source: sources['metric']!.id,
      where: '',
      whereLanguage: 'lucene',
      displayType: 'line',
      granularity: 'auto',
    };
    await page.goto(`${stack.ui}/chart?config=${encodeURIComponent(JSON.stringify(config))}`);
    await page.getByText(`max(${shop.GAUGE})`).first().waitFor();
    await page.locator('.recharts-area-curve, .recharts-line-curve').first().waitFor();
    const charts = (): UiQuery[] =>
      answered(recorded.queries, from, 'otel_metrics_gauge', '"data"').filter(
        (q) => q.sql.includes(`'${shop.GAUGE}'`) && /\bmax\(/i.test(q.sql),
      );
    await eventually(async () => Promise.resolve(charts().length > 0), 10_000, 'the chart query');
    assert.ok(
      // A gauge's point per bucket is its last sample there.
      charts().some((q) => q.body.includes(`": ${shop.GAUGE_VALUES.at(-1)},`)),
      `the last sample in ${charts()
        .map((q) => q.body)
        .join('\n')}`,
    );
  });

  test('no query of the UI failed, and the browser refused none', () => {
    const failed = recorded.queries.filter((q) => q.status !== 200 && !isKnownUiFailure(q));
    assert.deepEqual(
      failed.map((q) => `${q.status} ${q.sql.slice(0, 200)} → ${q.body.slice(0, 300)}`),
      [],
    );
    assert.deepEqual(recorded.refused, []);
    assert.ok(recorded.queries.length > 50, `${recorded.queries.length} queries`);
    process.stderr.write(`ClickStack UI: ${recorded.queries.length} queries\n`);
  });
});
