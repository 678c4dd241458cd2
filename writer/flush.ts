/**
 * Writing one batch: record its range in the ledger, insert each table's rows with a token derived
 * from (topic, partition, range, table), send undecodable or refused records to the DLQ. Retryable
 * failures are retried with jittered backoff for as long as the partition is still ours.
 */
import type { ClickHouseClient } from '../core/clickhouse.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { type PartitionBatch, providedColumns } from './batch.js';
import type { Row } from './decode/index.js';
import type { DeadLetter, DeadLetterQueue } from './dlq.js';
import { backoffMs, classifyClickHouseError, clickhouseCode } from './errors.js';
import { insertBody, insertRows } from './insert.js';
import type { BatchLedger } from './ledger.js';
import type { WriterMetrics } from './metrics.js';
import type { SchemaCache } from './schema.js';

export class Abandoned extends Error {
  constructor(reason: string) {
    super(`batch abandoned: ${reason}`);
    this.name = 'Abandoned';
  }
}

export interface FlushDeps {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly schemas: SchemaCache;
  readonly ledger: BatchLedger;
  readonly dlq: DeadLetterQueue;
  readonly metrics: WriterMetrics;
  readonly log: Logger;
  /** Throws Abandoned when the partition is no longer ours or the writer stops; also heartbeats. */
  readonly stillOwned: () => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `operation` until it succeeds or fails permanently; retryable failures back off. */
export async function withRetry<T>(
  what: string,
  deps: FlushDeps,
  operation: () => Promise<T>,
  onSchemaError?: () => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await deps.stillOwned();
    try {
      return await operation();
    } catch (err) {
      const kind = classifyClickHouseError(err);
      if (kind === 'permanent') throw err;
      if (kind === 'schema') onSchemaError?.();
      deps.metrics.retries.inc({ kind: what });
      const wait = backoffMs(attempt);
      if (attempt === 0 || attempt % 10 === 0)
        deps.log.warn(`${what} failed; retrying`, { err, attempt, waitMs: Math.round(wait) });
      await sleep(wait);
    }
  }
}

export function batchToken(
  topic: string,
  partition: number,
  minOffset: number,
  maxOffset: number,
  table: string,
): string {
  return `${topic}-${partition}-${minOffset}-${maxOffset}-${table}`;
}

/** One insert with retries (the shape is read again after schema errors), and its metrics. */
async function insertWithMetrics(
  deps: FlushDeps,
  table: string,
  rows: number,
  insert: () => Promise<number>,
): Promise<void> {
  const started = process.hrtime.bigint();
  const bytes = await withRetry(`insert ${table}`, deps, insert, () => deps.schemas.invalidate(table));
  deps.metrics.insertSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9, { table });
  deps.metrics.rows.inc({ table }, rows);
  deps.metrics.bytes.inc({ table }, bytes);
}

/** Row objects encoded and inserted (the per-record path after ClickHouse refused a batch). */
function insertTable(deps: FlushDeps, table: string, rows: readonly Row[], token: string): Promise<void> {
  return insertWithMetrics(deps, table, rows.length, async () =>
    insertRows(deps.client, deps.database, await deps.schemas.get(table, providedColumns(rows)), rows, token),
  );
}

/** The batch's already-encoded rows of one table as one insert (re-encoded if the shape changed). */
function insertEncoded(deps: FlushDeps, batch: PartitionBatch, table: string, token: string): Promise<void> {
  return insertWithMetrics(deps, table, batch.rowsOf(table), async () => {
    const shape = await deps.schemas.get(table, batch.providedOf(table));
    const body = batch.body(table, shape);
    await insertBody(deps.client, deps.database, shape, body, token);
    return body.length;
  });
}

/**
 * Writes the batch. Resolves when every row is in ClickHouse (or its record is in the DLQ); the
 * caller then commits maxOffset + 1. Throws Abandoned if the partition was lost meanwhile.
 */
export async function flushBatch(batch: PartitionBatch, deps: FlushDeps): Promise<void> {
  const { topic, partition } = batch;
  const min = batch.minOffset;
  const max = batch.maxOffset;
  // 1. The range goes into the ledger before any row is inserted.
  await withRetry('ledger record', deps, () => deps.ledger.record(topic, partition, min, max));
  // Ownership again, after the range is visible: if a rebalance finished meanwhile, the next owner may
  // have looked before our record landed, so we must not insert; if we still own the partition, any
  // later owner will find the record and rebuild exactly this batch (same tokens).
  await deps.stillOwned();

  const letters: DeadLetter[] = [];
  for (const record of batch.records) {
    if ('error' in record.tables)
      letters.push({
        topic,
        partition,
        message: record.message,
        code: 'DECODE_FAILED',
        reason: record.tables.error,
      });
  }
  // 2. One insert per table, with a token that the same range always reproduces.
  for (const table of batch.tables()) {
    try {
      await insertEncoded(deps, batch, table, batchToken(topic, partition, min, max, table));
    } catch (err) {
      if (err instanceof Abandoned) throw err;
      // ClickHouse refused the data: insert record by record so only the bad records go to the DLQ.
      deps.log.warn('batch refused by ClickHouse; isolating bad records', { table, topic, partition, err });
      for (const record of batch.records) {
        const recordRows = batch.recordRows(record, table);
        if (recordRows.length === 0) continue;
        try {
          await insertTable(
            deps,
            table,
            recordRows,
            batchToken(topic, partition, record.offset, record.offset, table),
          );
        } catch (recordErr) {
          if (recordErr instanceof Abandoned) throw recordErr;
          letters.push({
            topic,
            partition,
            message: record.message,
            code: `CLICKHOUSE_${clickhouseCode(recordErr) ?? 'REJECTED'}`,
            reason: `${table}: ${errorMessage(recordErr)}`,
          });
        }
      }
    }
  }
  // 3. Dead letters before the commit, so none is lost if the writer dies now.
  if (letters.length > 0) {
    await withRetry('dead letters', deps, () => deps.dlq.send(letters));
    for (const letter of letters) deps.metrics.deadLetters.inc({ signal: batch.signal, reason: letter.code });
    deps.log.warn('records sent to the DLQ', {
      topic,
      partition,
      count: letters.length,
      first: letters[0]!.reason,
    });
  }
}
