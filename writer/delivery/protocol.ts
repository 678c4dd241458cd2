/**
 * THE DELIVERY PROTOCOL: Kafka → ClickHouse exactly once. Everything that decides it lives in this
 * folder: plans and done ranges (state.ts, keeper-state.ts), the fenced insert (fenced-insert.ts),
 * one body's insert and its refusals (insert-part.ts), tokens and stream identity (identity.ts),
 * the upgrade from the first writer (legacy.ts), and what the target server must prove at start
 * (preflight.ts, self-test.ts). docs/operations.md ("Delivery") says which topologies are proven how.
 *
 * A stream is one partition of one topic incarnation in one Kafka cluster, as read by one writer
 * group (identity.ts). Positions are fetch positions; a range is [start, end).
 *
 *  1. Position. A partition's writing starts where its done ranges end (never at Kafka's committed
 *     offset, which is advisory), and every batch start skips done ranges. A batch never runs into
 *     the next done range (replays fill gaps up to it).
 *  2. Plan. A batch's range is proposed once per start; the first proposal committed wins and is
 *     read back (MergeTree: smallest _block_number, sound on one server where block numbers are
 *     allocated under the parts lock; KeeperMap: a strict-mode insert of the key, a compare-and-set in
 *     Keeper, for replicated tables and ClickHouse Cloud). A writer that lost rebuilds the winner's
 *     range; rows depend only on the records and the rule version pinned in the plan, so every
 *     rebuild makes the same bodies under the same tokens (`<stream>:<start>-<end>:<table>:<day>`).
 *  3. Fenced insert, one per (table, day) body, one block whatever its size. ClickHouse executes the
 *     condition: no done range overlaps the batch, and (first attempt) no insert of this token left
 *     its mark — the mark is written by the server in the same INSERT (views
 *     tributary_mark_<table>). After this writer's own failed attempt the mark no longer stops the
 *     retry (the attempt may have landed in the table but not in a view); the token's dedup log
 *     decides what is in, which the self-test proved on this server at start.
 *  4. Refusal. A body ClickHouse refuses as data is inserted record by record under per-record tokens
 *     and only the refused records are dead-lettered — unless the table already took the body (its
 *     mark exists: a view refused it), then it is retried, alarmed, never split.
 *  5. Done. After every body of the batch (and its dead letters), the range is recorded done; each
 *     body's marks are checked against its rows first (a mismatch is a delivery alarm, not silence).
 *     Kafka's offset is committed after that, as a hint for tools.
 *
 * Interleavings it survives (each has a test; see docs/operations.md for the list):
 *  - a writer frozen (SIGSTOP) anywhere — before proposing, between its checks and its insert, half
 *    way through a batch — wakes after another writer finished the range: its proposal loses or its
 *    fence finds the done range or the marks, and it inserts nothing;
 *  - two writers proposing the same start at once: one plan wins, both build it;
 *  - a crash after some bodies of a batch: the rebuild's first attempts find their marks;
 *  - an insert that fails after the table took it (a view, a limit, a lost connection, a timeout while
 *    the server still runs it): the retry is deduplicated by its token;
 *  - a body larger than any block size: one block, so a failure part way leaves nothing;
 *  - replays of any age, rebalances, re-joins: positions and skips come from the done state;
 *  - two Kafka clusters or a re-created topic with the same names: other streams, other tokens.
 * What it does not survive (said where it can happen): a writer that dies between a failed attempt
 * that landed in the table but not in a view and a successful retry leaves that view short (alarm
 * `partial_insert`); inserts racing each other past the fence on a server whose dedup ignores our
 * tokens (ClickHouse 26.1/26.2 without PR #99206: the self-test refuses to start there).
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { crashPoint } from '../../core/crash-point.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { PartitionBatch, TableDay } from '../batch.js';
import type { DeadLetter, DeadLetterQueue } from '../dlq.js';
import type { WriterMetrics } from '../metrics.js';
import { type RetryDeps, withRetry } from '../retry.js';
import type { SchemaCache } from '../schema.js';
import { batchEvent } from '../trace.js';
import type { InsertTransport } from './fenced-insert.js';
import { insertPart, tokensFor } from './insert-part.js';
import { LEGACY_RULES } from './legacy.js';
import type { DeliveryState, Plan } from './state.js';
import { verifyMarks } from './verify-marks.js';

export { Abandoned } from '../retry.js';

export interface DeliveryDeps extends RetryDeps {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly schemas: SchemaCache;
  readonly state: DeliveryState;
  readonly dlq: DeadLetterQueue;
  readonly metrics: WriterMetrics;
  readonly log: Logger;
  /** How insert bodies travel and the server's own settings they carry (resolved at start). */
  readonly transport: InsertTransport;
  /** Which process this is, written into plans for operators. */
  readonly writerId: string;
  readonly ruleVersion: string;
  /** Called on a delivery alarm (the partition's readiness reports it; a metric counts it). */
  readonly onAlarm: (kind: string, message: string) => void;
}

/** A rebuild that differs from the range's plan: refused, never inserted. */
export class PlanMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanMismatch';
  }
}

export type WriteOutcome = { readonly kind: 'written' } | { readonly kind: 'replan'; readonly plan: Plan };

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

/**
 * Writes the batch [start, end). `plan` is the plan found when the batch began (it must match);
 * without one, this batch's range is proposed and the first committed proposal wins — when that is
 * someone else's, the batch is dropped and rebuilt along the winner ('replan').
 */
export async function writeBatch(
  batch: PartitionBatch,
  stream: string,
  plan: Plan | undefined,
  deps: DeliveryDeps,
): Promise<WriteOutcome> {
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
  const whole: TableDay[] = [];
  for (const part of batch.parts()) {
    if ((await insertPart(batch, part, stream, deps, letters, legacy)) === 'whole') whole.push(part);
    crashPoint('table-insert');
  }
  if (!legacy) await verifyParts(batch, whole, stream, deps);
  if (letters.length > 0) await sendLetters(batch, letters, deps);
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

/** Step 5's check: each body's marks say the table took exactly its rows, in one block. */
async function verifyParts(
  batch: PartitionBatch,
  parts: readonly TableDay[],
  stream: string,
  deps: DeliveryDeps,
): Promise<void> {
  const expected = parts.map((part) => ({
    table: part.table,
    token: tokensFor(batch, part, stream, false).token,
    rows: part.rows,
  }));
  const problems = await withRetry('insert marks', deps, () =>
    verifyMarks(deps.client, deps.database, expected),
  );
  if (problems.length === 0) return;
  // Another writer finished this range while this one was frozen: its fence held, the marks are
  // that writer's (on a replica this one may not read yet) — not a problem of these inserts.
  const found = await withRetry('delivery state', deps, () => deps.state.at(stream, batch.start));
  if (found.doneEnd !== undefined && found.doneEnd >= batch.end) return;
  for (const problem of problems) {
    deps.onAlarm('marks', problem);
    deps.log.error('an insert did not land as one whole block: its marks differ from its rows', {
      topic: batch.topic,
      partition: batch.partition,
      problem,
    });
  }
}

async function sendLetters(batch: PartitionBatch, letters: DeadLetter[], deps: DeliveryDeps): Promise<void> {
  await withRetry(
    'dead letters',
    deps,
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
