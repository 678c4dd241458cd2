/**
 * Inserting one (table, day) body of a planned batch, and what happens when ClickHouse says no
 * (the rules are stated in ./protocol.ts, steps 3–4).
 */
import { freezePoint } from '../../core/crash-point.js';
import { errorMessage } from '../../core/errors.js';
import type { PartitionBatch, TableDay } from '../batch.js';
import type { DeadLetter } from '../dlq.js';
import { clickhouseCode } from '../errors.js';
import { Abandoned, withRetry } from '../retry.js';
import { traceInsert } from '../trace.js';
import { type InsertFence, fencedInsert, markedRows, probeFence } from './fenced-insert.js';
import { insertToken, isolatedToken } from './identity.js';
import { legacyToken } from './legacy.js';
import type { DeliveryDeps } from './protocol.js';

/** How often an insert whose earlier attempt failed is tried again after the partition was lost. */
const SETTLE_ATTEMPTS = 3;

/** The tokens of one (table, day) insert and of its records when isolated. */
export function tokensFor(batch: PartitionBatch, part: TableDay, stream: string, legacy: boolean) {
  if (legacy)
    return {
      token: legacyToken(batch.topic, batch.partition, batch.start, batch.end, part.table),
      isolated: (offset: number) => legacyToken(batch.topic, batch.partition, offset, offset + 1, part.table),
    };
  const token = insertToken(stream, batch.start, batch.end, part.table, part.day);
  return { token, isolated: (offset: number) => isolatedToken(token, offset) };
}

/** One body's insert: its fence, and whether an attempt of it already failed (see protocol.ts). */
class BodyInsert {
  /** An attempt failed: it may have landed in part (the table, not every view), so dedup decides now. */
  private failed: boolean;

  constructor(
    private readonly batch: PartitionBatch,
    private readonly part: TableDay,
    private readonly fence: Omit<InsertFence, 'marks'>,
    private readonly deps: DeliveryDeps,
    legacy: boolean,
  ) {
    // A legacy rebuild leaves what the old writer inserted to the dedup log from the start: its token
    // is shared by every day of the table, so a mark could not tell the days apart.
    this.failed = legacy;
  }

  get hadFailure(): boolean {
    return this.failed;
  }

  readonly attempt = async (): Promise<number> => {
    const { deps, part } = this;
    const shape = await deps.schemas.get(part.table, part.provided);
    const body = this.batch.body(part, shape);
    // Tests freeze the writer here: past every check it makes itself, before the server's fence.
    freezePoint('insert');
    try {
      return await fencedInsert(
        deps.client,
        deps.database,
        shape,
        body,
        part.rows,
        { ...this.fence, marks: !this.failed },
        deps.transport,
      );
    } catch (err) {
      this.failed = true;
      throw err;
    }
  };
}

export async function insertPart(
  batch: PartitionBatch,
  part: TableDay,
  stream: string,
  deps: DeliveryDeps,
  letters: DeadLetter[],
  legacy: boolean,
): Promise<'whole' | 'isolated'> {
  const { token, isolated } = tokensFor(batch, part, stream, legacy);
  const fence = {
    token,
    stream,
    start: batch.start,
    end: batch.end,
    extra: deps.state.fenceCondition(stream, batch.start),
  };
  const insert = new BodyInsert(batch, part, fence, deps, legacy);
  const started = process.hrtime.bigint();
  for (;;) {
    try {
      const bytes = await traceInsert(deps.database, part.table, part.rows, () =>
        withRetry(`insert ${part.table}`, deps, insert.attempt, {
          onSchemaError: () => deps.schemas.invalidate(part.table),
        }),
      );
      deps.metrics.insertSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9, {
        table: part.table,
      });
      deps.metrics.rows.inc({ table: part.table }, part.rows);
      deps.metrics.bytes.inc({ table: part.table }, bytes);
      return 'whole';
    } catch (err) {
      if (err instanceof Abandoned) {
        if (insert.hadFailure && !legacy) await settle(insert, part, token, deps);
        throw err;
      }
      // The state the fence reads was unreadable: the rows are innocent; the same insert again.
      if (!(await stateReadable(deps, { ...fence, marks: true }, err))) continue;
      if (!legacy && (await markedRows(deps.client, deps.database, token)).length > 0) {
        // The table took the body and something after it refused (a view): the records are not to
        // blame, and inserting them again one by one under other tokens would double the table. The
        // partition waits, alarmed, and retries the body (its dedup drops what landed).
        deps.onAlarm(
          'view_refused',
          `${part.table}: the body landed but a view refused it: ${errorMessage(err)}`,
        );
        await withRetry(`insert ${part.table} (after a view refused it)`, deps, insert.attempt, {
          classify: () => 'retryable',
        });
        return 'whole';
      }
      // ClickHouse refused the data: insert record by record, so only the bad records go to the DLQ.
      // Refusal depends only on the rows, so every rebuild isolates the same records the same way.
      deps.log.warn('body refused by ClickHouse; isolating bad records', { table: part.table, err });
      await isolateRecords(batch, part, fence, isolated, deps, letters);
      return 'isolated';
    }
  }
}

async function isolateRecords(
  batch: PartitionBatch,
  part: TableDay,
  fence: Omit<InsertFence, 'marks'>,
  isolated: (offset: number) => string,
  deps: DeliveryDeps,
  letters: DeadLetter[],
): Promise<void> {
  for (const record of batch.records) {
    let failed = false;
    try {
      await withRetry(`insert ${part.table} (one record)`, deps, async () => {
        const shape = await deps.schemas.get(part.table, part.provided);
        // The record transcoded again with the batch's own encoder: its rows of this (table, day).
        const body = batch.recordBody(record, part, shape);
        if (!body) return;
        try {
          await fencedInsert(
            deps.client,
            deps.database,
            shape,
            body,
            part.rows,
            {
              ...fence,
              token: isolated(record.offset),
              marks: !failed,
            },
            deps.transport,
          );
        } catch (err) {
          failed = true;
          throw err;
        }
      });
    } catch (recordErr) {
      if (recordErr instanceof Abandoned) throw recordErr;
      const code = clickhouseCode(recordErr);
      letters.push({
        record,
        code: code === undefined ? 'CLICKHOUSE_REJECTED' : `CLICKHOUSE_${code}`,
        reason: `${part.table}: ${errorMessage(recordErr)}`,
      });
    }
  }
}

/**
 * The partition was lost while an attempt of this body had failed: that attempt may have landed in
 * the table and not in every view, and the next owner's first attempt would see the table's mark and
 * skip the body. A few more attempts from here (fenced by the done state; the dedup log drops what
 * landed) close that gap; if they cannot, the possible gap is said loudly.
 */
async function settle(insert: BodyInsert, part: TableDay, token: string, deps: DeliveryDeps): Promise<void> {
  for (let i = 0; i < SETTLE_ATTEMPTS; i++) {
    try {
      await insert.attempt();
      return;
    } catch (err) {
      if (i === SETTLE_ATTEMPTS - 1) {
        deps.onAlarm(
          'partial_insert',
          `${part.table}: token ${token} failed and the partition was lost before a retry succeeded; if the table took it and a view did not, that view lacks these rows (${errorMessage(err)})`,
        );
        deps.log.error(
          'an insert that failed may have landed in part; the partition was lost before a retry',
          {
            table: part.table,
            token,
            err,
          },
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * (i + 1)));
    }
  }
}

/**
 * After a refused insert: whether the delivery state the fence reads is fine (then the rows are to
 * blame). When it is not, the records are innocent: wait, alarmed, until the state reads again, and
 * answer false so the insert is tried again whole instead of dead-lettering good records.
 */
async function stateReadable(deps: DeliveryDeps, fence: InsertFence, refusal: unknown): Promise<boolean> {
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
