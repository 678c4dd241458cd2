/**
 * Upgrading from the first writer (tributary ≤ 0.x), which kept a batch ledger (`tributary_batches`:
 * Topic, Partition, MinOffset, MaxOffset, recorded before the batch's inserts) and committed the next
 * offset to Kafka after them. A crash between the two left a ledger range above the committed offset
 * whose rows may be in some tables and not others, under the old tokens
 * `<topic>-<partition>-<min>-<max>-<table>`. The new writer rebuilds exactly that range under those
 * tokens (a plan with LEGACY_RULES), so ClickHouse's dedup log drops what the old writer had already
 * inserted, and the range is then done like any other. The old ledger is only read, never written.
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';

export const LEGACY_LEDGER = 'tributary_batches';
/** Rule version of a plan taken over from the old ledger: rows rebuilt under the old tokens. */
export const LEGACY_RULES = 'legacy-ledger/1';

/** The token the first writer gave a batch's (or an isolated record's) insert into `table`. */
export function legacyToken(
  topic: string,
  partition: number,
  start: number,
  end: number,
  table: string,
): string {
  return `${topic}-${partition}-${start}-${end - 1}-${table}`;
}

/**
 * The old ledger's range that starts at the committed offset, as [start, end), if the old ledger
 * exists and has one. The old writer's batches were contiguous from the committed offset on, and
 * it committed before starting the next batch, so only that one range can be in flight.
 */
export async function legacyRangeAt(
  client: ClickHouseClient,
  database: string,
  where: { topic: string; partition: number },
  committed: number,
): Promise<{ start: number; end: number } | undefined> {
  const exists = await client.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {name:String}',
    query_params: { db: database, name: LEGACY_LEDGER },
    format: 'JSONEachRow',
  });
  const [{ n } = { n: '0' }] = await exists.json<{ n: string }>();
  if (Number(n) === 0) return undefined;
  const result = await client.query({
    query: `SELECT toString(MaxOffset) AS max FROM \`${database}\`.${LEGACY_LEDGER}
            WHERE Topic = {topic:String} AND Partition = {partition:UInt32} AND MinOffset = {start:UInt64}
            ORDER BY RecordedAt LIMIT 1`,
    query_params: { topic: where.topic, partition: where.partition, start: committed },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ max: string }>();
  return row ? { start: committed, end: Number(row.max) + 1 } : undefined;
}
