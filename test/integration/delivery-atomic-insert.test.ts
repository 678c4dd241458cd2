/**
 * One body is one block, whatever its size (writer/delivery/fenced-insert.ts): a (table, day) body
 * of 140,000 rows — over twice the 65,409 rows ClickHouse reads per block — meets a failure ClickHouse
 * itself raises part way through (a CHECK constraint refusing a row near the end of the body, or a
 * view target refusing its block), then the cause is removed. Every row must end up exactly once in
 * the table and in every view target. With the body split into blocks (the writer before this
 * change), the first blocks land with their insert mark, the retry finds the mark and inserts
 * nothing: the rest is lost. Logs, traces, the five metrics tables and session events; the trace-id
 * table and both kv rollups.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { METRIC_TABLES, generateTracesObject } from '../fixtures/generate.js';
import { count, eventually, freshDatabase } from '../harness/clickhouse.js';
import { ExactlyOnce, signalRecord } from '../harness/exactly-once.js';
import { freshTopics, produce } from '../harness/kafka.js';
import { startTestWriter } from '../harness/writer.js';

const RECORDS = 140;
const ITEMS = 1000; // per record: 140,000 spans, log records and session events in all
const SENT = RECORDS * ITEMS;
/** Metrics: 350 records of 200 metrics × 10 points, 140,000 points per table. */
const METRIC_RECORDS = 350;
const METRIC_ITEMS = 200;
const POINTS = METRIC_RECORDS * METRIC_ITEMS * 10;
/**
 * The poisoned item: in the last record, in the third block of 65,409 rows a split body would make.
 * (A failure in the second block would not show a split: a MergeTree sink commits a block's part when
 * the next block reaches it, and a CHECK refuses a block before it does.)
 */
const LATE = SENT - 10;

type Signal = 'traces' | 'metrics' | 'logs';
interface Constraint {
  readonly table: string;
  /** The condition rows must meet while the constraint stands. */
  readonly check: string;
}

/** The span id of item `n` (the fixture's generator is seeded per record, so it is known up front). */
function spanIdOf(n: number): string {
  const record = Math.floor(n / ITEMS);
  const traces = generateTracesObject({
    seed: record + 1,
    resources: 1,
    scopesPerResource: 1,
    itemsPerScope: ITEMS,
    firstSeq: record * ITEMS,
  }) as { resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[] };
  return traces.resourceSpans[0]!.scopeSpans[0]!.spans[n % ITEMS]!.spanId.toLowerCase();
}

/** Wide rows: 30,000 log records of ~3 KB each (a ~90 MB body), 300 to a Kafka record. */
const WIDE_RECORDS = 100;
const WIDE_ITEMS = 300;
const WIDE = WIDE_RECORDS * WIDE_ITEMS;

function wideLogs(record: number): Buffer {
  const logRecords = Array.from({ length: WIDE_ITEMS }, (_, i) => {
    const seq = record * WIDE_ITEMS + i;
    return {
      timeUnixNano: String(1_795_000_000_000_000_000n + BigInt(seq) * 1_000_000n),
      body: { stringValue: `${seq} ${'w'.repeat(3000)}` },
      attributes: [{ key: 'seq', value: { intValue: String(seq) } }],
    };
  });
  return Buffer.from(
    jsonToProtobuf('logs', JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] })),
  );
}

type Load = Signal | 'sessions' | 'wide';

async function produceSignal(topics: Awaited<ReturnType<typeof freshTopics>>, signal: Load) {
  if (signal === 'wide') {
    for (let i = 0; i < WIDE_RECORDS; i++) await produce(topics.logs, [{ value: wideLogs(i) }]);
    return;
  }
  const topic = signal === 'sessions' ? topics.logs : topics[signal];
  const [records, items] = signal === 'metrics' ? [METRIC_RECORDS, METRIC_ITEMS] : [RECORDS, ITEMS];
  // One record per request: a Kafka batch of several such records would pass message.max.bytes.
  for (let i = 0; i < records; i++)
    await produce(topic, [{ value: Buffer.from(signalRecord(signal, i, items)) }]);
}

/** Rows one signal's batch holds (all its tables): the batch is cut there, so it is one batch. */
const BATCH_ROWS: Readonly<Record<Load, number>> = {
  traces: SENT,
  logs: SENT,
  sessions: SENT,
  metrics: POINTS,
  wide: WIDE,
};

async function runCase(
  t: { after(fn: () => Promise<void> | void): void; diagnostic(message: string): void },
  signal: Load,
  constraints: readonly Constraint[],
  verify: (
    exact: ExactlyOnce,
    db: string,
    client: Awaited<ReturnType<typeof freshDatabase>>['client'],
  ) => Promise<void>,
): Promise<void> {
  const topics = await freshTopics(1);
  const db = await freshDatabase();
  t.after(() => db.drop());
  const table = (name: string): string => `\`${db.database}\`.${name}`;
  for (const [i, c] of constraints.entries())
    await db.client.command({
      query: `ALTER TABLE ${table(c.table)} ADD CONSTRAINT poison_${i} CHECK ${c.check}`,
    });
  await produceSignal(topics, signal);
  const writer = await startTestWriter(topics.prefix, db.database, {
    'writer.signals': signal === 'sessions' || signal === 'wide' ? 'logs' : signal,
    'writer.batchRows': BATCH_ROWS[signal],
    'writer.batchBytes': 256 * 1024 * 1024,
    'writer.flushIntervalMs': 60_000,
    logLevel: 'error',
  });
  t.after(() => writer.stop());
  // Each constraint refuses an insert (its table's body, or a view's block after the table took the
  // body) at least once before it goes away; the next refusal is the next constraint's.
  const refused = (c: Constraint): number =>
    writer.metrics.retries.get({ kind: `insert ${sourceOf(c.table)}` });
  const seen = new Map<string, number>();
  for (const [i, c] of constraints.entries()) {
    const before = seen.get(sourceOf(c.table)) ?? 0;
    await eventually(
      () => Promise.resolve(refused(c) > before),
      120_000,
      `an insert refused by the constraint on ${c.table}`,
    );
    seen.set(sourceOf(c.table), refused(c));
    await db.client.command({ query: `ALTER TABLE ${table(c.table)} DROP CONSTRAINT poison_${i}` });
  }
  await eventually(
    async () =>
      (await count(db.client, `SELECT count() AS n FROM ${table('tributary_done')} WHERE Kind = 'done'`)) >=
      1,
    180_000,
    'the batch recorded done',
  );
  const exact = new ExactlyOnce(db.client, db.database);
  await verify(exact, db.database, db.client);
  t.diagnostic(exact.figures.join('; '));
}

/** The table whose insert a constraint on `table` refuses (a view target's is its source's). */
function sourceOf(table: string): string {
  if (table.startsWith('otel_traces')) return 'otel_traces';
  if (table.startsWith('otel_logs')) return 'otel_logs';
  return table;
}

/** Rows of the trace-id table (one per trace of the one block) and the traces rollup's counts. */
async function traceViews(
  exact: ExactlyOnce,
  db: string,
  client: Awaited<ReturnType<typeof freshDatabase>>['client'],
) {
  const traces = await count(client, `SELECT uniqExact(TraceId) AS n FROM \`${db}\`.otel_traces`);
  await exact.table('otel_traces_trace_id_ts', traces, 'TraceId');
  const rolled = await count(
    client,
    `SELECT sum(count) AS n FROM \`${db}\`.otel_traces_kv_rollup_15m WHERE Key = 'ServiceName'`,
  );
  exact.figures.push(`otel_traces_kv_rollup_15m: ServiceName counts ${rolled}`);
  assert.equal(rolled, SENT, 'the traces rollup counted every span once');
}

async function logsRollup(
  client: Awaited<ReturnType<typeof freshDatabase>>['client'],
  db: string,
  exact: ExactlyOnce,
) {
  const rolled = await count(
    client,
    `SELECT sum(count) AS n FROM \`${db}\`.otel_logs_kv_rollup_15m WHERE Key = 'SeverityText'`,
  );
  exact.figures.push(`otel_logs_kv_rollup_15m: SeverityText counts ${rolled}`);
  assert.equal(rolled, SENT, 'the logs rollup counted every record once');
}

test(
  'logs: a row near the end of a 140,000-row body refused, then allowed: every row once',
  { timeout: 300_000 },
  (t) =>
    runCase(
      t,
      'logs',
      [{ table: 'otel_logs', check: `LogAttributes['seq'] != '${LATE}'` }],
      async (exact, db, client) => {
        await exact.table('otel_logs', SENT, "LogAttributes['seq']");
        await logsRollup(client, db, exact);
      },
    ),
);

test(
  'traces: a span near the end of a 140,000-span body refused, then allowed: table, trace-id table and rollup exact',
  { timeout: 300_000 },
  (t) =>
    runCase(
      t,
      'traces',
      [{ table: 'otel_traces', check: `SpanId != '${spanIdOf(LATE)}'` }],
      async (exact, db, client) => {
        await exact.table('otel_traces', SENT, 'SpanId');
        await traceViews(exact, db, client);
      },
    ),
);

test(
  'metrics: a point near the end of each 140,000-row body refused, in all five tables, then allowed',
  { timeout: 300_000 },
  (t) =>
    runCase(
      t,
      'metrics',
      // Inserted in table-name order; the last five metrics (one of each kind) each carry a poisoned point.
      [...METRIC_TABLES].sort().map((table) => ({
        table,
        check: `Attributes['seq'] NOT IN (${[5, 15, 25, 35, 45].map((k) => `'${POINTS - k}'`).join(', ')})`,
      })),
      async (exact) => {
        for (const m of METRIC_TABLES) await exact.table(m, POINTS / 5, "Attributes['seq']");
      },
    ),
);

test(
  'session events: an event near the end of a 140,000-row body refused, then allowed',
  { timeout: 300_000 },
  (t) =>
    runCase(
      t,
      'sessions',
      [{ table: 'hyperdx_sessions', check: `LogAttributes['seq'] != '${LATE}'` }],
      async (exact) => {
        await exact.table('hyperdx_sessions', SENT, "LogAttributes['seq']");
      },
    ),
);

test(
  'traces: the trace-id table and the rollup refuse their blocks after otel_traces took the body, then allow them: every view exact',
  { timeout: 300_000 },
  (t) =>
    runCase(
      t,
      'traces',
      [
        { table: 'otel_traces_trace_id_ts', check: `TraceId = ''` },
        { table: 'otel_traces_kv_rollup_15m', check: `Key != 'ServiceName'` },
      ],
      async (exact, db, client) => {
        await exact.table('otel_traces', SENT, 'SpanId');
        await traceViews(exact, db, client);
      },
    ),
);

test(
  'logs: the rollup refuses its block after otel_logs took the body, then allows it: the rollup exact',
  { timeout: 300_000 },
  (t) =>
    runCase(
      t,
      'logs',
      [{ table: 'otel_logs_kv_rollup_15m', check: `Key != 'SeverityText'` }],
      async (exact, db, client) => {
        await exact.table('otel_logs', SENT, "LogAttributes['seq']");
        await logsRollup(client, db, exact);
      },
    ),
);

test(
  'wide rows: a ~90 MB body of 30,000 ~3 KB log records, its last one refused, then allowed: one block, every row once',
  { timeout: 300_000 },
  (t) =>
    runCase(
      t,
      'wide',
      [{ table: 'otel_logs', check: `LogAttributes['seq'] != '${WIDE - 3}'` }],
      async (exact, db, client) => {
        await exact.table('otel_logs', WIDE, "LogAttributes['seq']");
        const marks = await count(
          client,
          `SELECT count() AS n FROM \`${db}\`.tributary_inserts WHERE Token LIKE '%:otel_logs:%'`,
        );
        exact.figures.push(`inserts that landed in otel_logs: ${marks}`);
        assert.equal(marks, 1, 'the body landed as one insert, one block');
      },
    ),
);
