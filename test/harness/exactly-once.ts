/**
 * The load and the verdict the delivery chaos tests share: record `i` of every signal (items with a
 * running `seq`, so every row can be told apart), and the check that each table holds every sent item
 * exactly once (count = distinct = sent), with the figures kept for the test's diagnostic line.
 */
import assert from 'node:assert/strict';
import type { ClickHouseClient } from '../../core/clickhouse.js';
import {
  METRIC_TABLES,
  generateLogs,
  generateMetrics,
  generateSessionEvents,
  generateTraces,
} from '../fixtures/generate.js';
import { count, rows } from './clickhouse.js';

export interface SignalRecords {
  readonly traces: Uint8Array;
  /** Ten data points per item, over the five metric kinds. */
  readonly metrics: Uint8Array;
  readonly logs: Uint8Array;
  /** Session-replay log records (`rr-web.event`), routed to hyperdx_sessions. */
  readonly sessions: Buffer;
}

type Load = keyof SignalRecords;

/** Record `i` of one signal, `items` items, seq numbers following on from record i - 1. */
export function signalRecord<S extends Load>(signal: S, i: number, items: number): SignalRecords[S] {
  const shape = {
    seed: i + 1,
    resources: 1,
    scopesPerResource: 1,
    itemsPerScope: items,
    firstSeq: i * items,
  };
  const make: { readonly [K in Load]: () => SignalRecords[K] } = {
    traces: () => generateTraces(shape),
    metrics: () => generateMetrics({ ...shape, firstSeq: i * items * 10 }),
    logs: () => generateLogs(shape),
    sessions: () => generateSessionEvents(i * items, items),
  };
  return make[signal]();
}

/** Record `i` of each signal (see signalRecord). */
export function signalRecords(i: number, items: number): SignalRecords {
  return {
    traces: signalRecord('traces', i, items),
    metrics: signalRecord('metrics', i, items),
    logs: signalRecord('logs', i, items),
    sessions: signalRecord('sessions', i, items),
  };
}

export class ExactlyOnce {
  /** One line per table checked, for `t.diagnostic`. */
  readonly figures: string[] = [];

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  /** Asserts `table` (rows matching `where`) holds `expected` rows with `expected` distinct `key`s. */
  async table(name: string, expected: number, key: string, where = 'true'): Promise<void> {
    const from = `\`${this.database}\`.${name} WHERE ${where}`;
    const rows = await count(this.client, `SELECT count() AS n FROM ${from}`);
    const distinct = await count(this.client, `SELECT uniqExact(${key}) AS n FROM ${from}`);
    this.figures.push(`${name}: sent ${expected}, rows ${rows}, distinct ${distinct}`);
    if (rows !== expected || distinct !== expected) this.figures.push(await this.explain(from, key));
    assert.equal(rows, expected, `${name}: nothing lost or duplicated`);
    assert.equal(distinct, expected, `${name}: every item once`);
  }

  /** Which keys repeat, and the delivery state, for the diagnostic of a failed check. */
  private async explain(from: string, key: string): Promise<string> {
    const repeated = await rows<{ k: string; n: string }>(
      this.client,
      `SELECT toString(${key}) AS k, count() AS n FROM ${from} GROUP BY k HAVING n > 1 ORDER BY k LIMIT 20`,
    );
    const db = `\`${this.database}\``;
    const done = await rows<Record<string, unknown>>(
      this.client,
      `SELECT Topic, Partition, Start, End, Kind, Rows FROM ${db}.tributary_done ORDER BY Topic, Partition, Start`,
    );
    const plans = await rows<Record<string, unknown>>(
      this.client,
      `SELECT Stream, Start, End, Writer FROM ${db}.tributary_plans ORDER BY Stream, Start`,
    );
    return `repeated ${JSON.stringify(repeated)}; done ${JSON.stringify(done)}; plans ${JSON.stringify(plans)}`;
  }

  /** Whether every table holds at least what `everySignal(sent)` will check (to wait on). */
  async written(sent: number): Promise<boolean> {
    const rows = (name: string): Promise<number> =>
      count(this.client, `SELECT count() AS n FROM \`${this.database}\`.${name}`);
    let points = 0;
    for (const m of METRIC_TABLES) points += await rows(m);
    return (
      (await rows('otel_traces')) >= sent &&
      (await rows('otel_logs')) >= sent &&
      (await rows('hyperdx_sessions')) >= sent &&
      points >= sent * 10
    );
  }

  /**
   * Every table of records made by `signalRecords`: `sent` spans, log records and session events,
   * `sent` × 10 data points spread over the five metrics tables.
   */
  async everySignal(sent: number): Promise<void> {
    await this.table('otel_traces', sent, 'SpanId'); // span ids are random per span; the fixture's seq restarts per record
    await this.table('otel_logs', sent, "LogAttributes['seq']");
    await this.table('hyperdx_sessions', sent, "LogAttributes['seq']");
    for (const m of METRIC_TABLES) await this.table(m, (sent * 10) / 5, "Attributes['seq']");
  }

  /** The trace-id view holds one row per (insert block, trace): a block inserted twice repeats rows. */
  async traceIdView(): Promise<void> {
    const view = `\`${this.database}\`.otel_traces_trace_id_ts`;
    const rows = await count(this.client, `SELECT count() AS n FROM ${view}`);
    const distinct = await count(this.client, `SELECT uniqExact(TraceId, Start, End) AS n FROM ${view}`);
    this.figures.push(`otel_traces_trace_id_ts: rows ${rows}, distinct ${distinct}`);
    assert.equal(rows, distinct, 'the view received no block twice');
  }
}
