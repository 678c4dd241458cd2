/**
 * Writing one planned batch: agree on its range (the plan), insert each (table, day) body under its
 * fenced token, dead-letter what can never be written, then record the range as done. Every step is
 * safe to repeat by anyone who rebuilds the same range: the plan makes the rebuild identical, the
 * fence stops inserts of ranges already in, and the done record is idempotent.
 */
import type { ClickHouseClient } from '../core/clickhouse.js';
import { crashPoint } from '../core/crash-point.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { PartitionBatch, TableDay } from './batch.js';
import type { DeliveryState, Plan } from './delivery/state.js';
import { insertToken, isolatedToken } from './delivery/identity.js';
import { LEGACY_RULES, legacyToken } from './delivery/legacy.js';
import type { DeadLetter, DeadLetterQueue } from './dlq.js';
import { clickhouseCode } from './errors.js';
import { type InsertFence, fencedInsert, probeFence } from './insert.js';
import type { WriterMetrics } from './metrics.js';
import { type RetryDeps, withRetry } from './retry.js';
import type { SchemaCache } from './schema.js';
import { batchEvent, traceInsert } from './trace.js';

export { Abandoned } from './retry.js';

export interface FlushDeps extends RetryDeps {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly schemas: SchemaCache;
  readonly state: DeliveryState;
  readonly dlq: DeadLetterQueue;
  readonly metrics: WriterMetrics;
  readonly log: Logger;
  /** Which process this is, written into plans for operators. */
  readonly writerId: string;
  readonly ruleVersion: string;
  /** Called when dead letters cannot be written (the partition waits; readiness reports it). */
  readonly onAlarm: (kind: string, message: string) => void;
}

/** A rebuild that differs from the range's plan: refused, never inserted. */
export class PlanMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanMismatch';
  }
}

export type FlushOutcome = { readonly kind: 'written' } | { readonly kind: 'replan'; readonly plan: Plan };

/** Checks a rebuild against the plan it follows. */
export function checkAgainstPlan(batch: PartitionBatch, plan: Plan, ruleVersion: string): void {
  // The old writer's in-flight batch has no digest; its tokens, not its rows, make the rebuild safe.
  if (plan.ruleVersion === LEGACY_RULES) return;
  if (plan.ruleVersion !== ruleVersion)
    throw new PlanMismatch(
      `range [${plan.start}, ${plan.end}) was planned under rules ${plan.ruleVersion}; this writer has ${ruleVersion}: finish it with a writer of those rules`,
    );
  if (plan.digest !== batch.digest())
    throw new PlanMismatch(
      `range [${plan.start}, ${plan.end}) holds other records than when it was planned (compaction or a different topic behind the same id?)`,
    );
}

/** The tokens of one (table, day) insert and of its records when isolated. */
function tokensFor(batch: PartitionBatch, part: TableDay, stream: string, legacy: boolean) {
  if (legacy)
    return {
      token: legacyToken(batch.topic, batch.partition, batch.start, batch.end, part.table),
      isolated: (offset: number) => legacyToken(batch.topic, batch.partition, offset, offset + 1, part.table),
    };
  const token = insertToken(stream, batch.start, batch.end, part.table, part.day);
  return { token, isolated: (offset: number) => isolatedToken(token, offset) };
}

async function insertPart(
  batch: PartitionBatch,
  part: TableDay,
  stream: string,
  deps: FlushDeps,
  letters: DeadLetter[],
  legacy: boolean,
): Promise<void> {
  const { token, isolated } = tokensFor(batch, part, stream, legacy);
  const fence = { token, stream, start: batch.start, end: batch.end };
  const started = process.hrtime.bigint();
  try {
    const bytes = await traceInsert(deps.database, part.table, part.rows, () =>
      withRetry(
        `insert ${part.table}`,
        deps,
        async () => {
          const shape = await deps.schemas.get(part.table, part.provided);
          const body = batch.body(part, shape);
          await fencedInsert(deps.client, deps.database, shape, body, fence);
          return body.length;
        },
        { onSchemaError: () => deps.schemas.invalidate(part.table) },
      ),
    );
    deps.metrics.insertSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9, {
      table: part.table,
    });
    deps.metrics.rows.inc({ table: part.table }, part.rows);
    deps.metrics.bytes.inc({ table: part.table }, bytes);
  } catch (err) {
    if (err instanceof Error && err.name === 'Abandoned') throw err;
    if (!(await stateReadable(deps, fence, err)))
      return insertPart(batch, part, stream, deps, letters, legacy);
    // ClickHouse refused the data: insert record by record, so only the bad records go to the DLQ.
    // Refusal depends only on the rows, so every rebuild isolates the same records the same way.
    deps.log.warn('body refused by ClickHouse; isolating bad records', { table: part.table, err });
    for (const record of batch.records) {
      try {
        await withRetry(`insert ${part.table} (one record)`, deps, async () => {
          const shape = await deps.schemas.get(part.table, part.provided);
          // The record transcoded again with the batch's own encoder: its rows of this (table, day).
          const body = batch.recordBody(record, part, shape);
          if (!body) return;
          await fencedInsert(deps.client, deps.database, shape, body, {
            ...fence,
            token: isolated(record.offset),
          });
        });
      } catch (recordErr) {
        if (recordErr instanceof Error && recordErr.name === 'Abandoned') throw recordErr;
        const code = clickhouseCode(recordErr);
        letters.push({
          record,
          code: code === undefined ? 'CLICKHOUSE_REJECTED' : `CLICKHOUSE_${code}`,
          reason: `${part.table}: ${errorMessage(recordErr)}`,
        });
      }
    }
  }
}

/**
 * After a refused insert: whether the delivery state the fence reads is fine (then the rows are to
 * blame). When it is not, the records are innocent: wait, alarmed, until the state reads again, and
 * answer false so the insert is tried again whole instead of dead-lettering good records.
 */
async function stateReadable(deps: FlushDeps, fence: InsertFence, refusal: unknown): Promise<boolean> {
  try {
    await probeFence(deps.client, deps.database, fence);
    return true;
  } catch (err) {
    deps.onAlarm('state', `the delivery state cannot be read: ${errorMessage(err)}`);
    deps.log.error('insert refused and the delivery state unreadable; waiting for it, not blaming the rows', {
      err,
      refusal: errorMessage(refusal),
    });
    await withRetry('delivery state', deps, () => probeFence(deps.client, deps.database, fence), {
      classify: () => 'retryable',
    });
    return false;
  }
}

/**
 * Writes the batch [start, end). `plan` is the plan found when the batch began (it must match);
 * without one, this batch's range is proposed and the first committed proposal wins — when that is
 * someone else's, the batch is dropped and rebuilt along the winner ('replan').
 */
export async function writeBatch(
  batch: PartitionBatch,
  stream: string,
  plan: Plan | undefined,
  deps: FlushDeps,
): Promise<FlushOutcome> {
  const mine: Plan = {
    start: batch.start,
    end: batch.end,
    ruleVersion: deps.ruleVersion,
    digest: batch.digest(),
    writer: deps.writerId,
  };
  if (plan) checkAgainstPlan(batch, plan, deps.ruleVersion);
  else {
    const winner = await withRetry('plan', deps, () => deps.state.propose(stream, mine));
    if (winner.end !== mine.end || winner.digest !== mine.digest) return { kind: 'replan', plan: winner };
  }
  deps.stillOwned();
  const letters: DeadLetter[] = batch.dead.map((d) => ({ record: d.record, code: d.code, reason: d.reason }));
  const legacy = plan?.ruleVersion === LEGACY_RULES;
  for (const part of batch.parts()) {
    await insertPart(batch, part, stream, deps, letters, legacy);
    crashPoint('table-insert');
  }
  if (letters.length > 0) {
    await withRetry(
      'dead letters',
      { ...deps, stillOwned: deps.stillOwned },
      async () => {
        try {
          await deps.dlq.send(letters);
        } catch (err) {
          deps.onAlarm('dlq', `dead letters cannot be written: ${errorMessage(err)}`);
          throw err;
        }
      },
      { classify: () => 'retryable' },
    );
    for (const letter of letters) deps.metrics.deadLetters.inc({ signal: batch.signal, reason: letter.code });
    deps.log.warn('records sent to the DLQ', {
      topic: batch.topic,
      partition: batch.partition,
      count: letters.length,
      first: letters[0]!.reason,
    });
  }
  await withRetry('done state', deps, () =>
    deps.state.markDone(
      stream,
      { topic: batch.topic, partition: batch.partition },
      { start: batch.start, end: batch.end, kind: 'done' },
      batch.rowCount,
    ),
  );
  if (batch.skipped > 0) deps.metrics.skippedRecords.inc({ signal: batch.signal }, batch.skipped);
  batchEvent('done recorded', { 'tributary.dead_letters': letters.length });
  return { kind: 'written' };
}
