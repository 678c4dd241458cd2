/**
 * The batch ledger (table tributary_batches, created by migrate): each batch's offset range is
 * recorded before its insert, and looked up when a batch starts, so batches are rebuilt identically.
 */
import type { ClickHouseClient } from '../core/clickhouse.js';

export const LEDGER_TABLE = 'tributary_batches';

export class BatchLedger {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  /** The last offset of the first batch ever recorded starting at `minOffset`, if any. */
  async recordedEnd(topic: string, partition: number, minOffset: number): Promise<number | undefined> {
    const result = await this.client.query({
      query: `SELECT toString(MaxOffset) AS end FROM \`${this.database}\`.${LEDGER_TABLE}
              WHERE Topic = {topic:String} AND Partition = {partition:UInt32} AND MinOffset = {offset:UInt64}
              ORDER BY RecordedAt ASC LIMIT 1`,
      query_params: { topic, partition, offset: minOffset },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ end: string }>();
    return rows[0] ? Number(rows[0].end) : undefined;
  }

  /** The first recorded range that contains `offset`, if any. */
  async rangeContaining(
    topic: string,
    partition: number,
    offset: number,
  ): Promise<{ min: number; max: number } | undefined> {
    const result = await this.client.query({
      query: `SELECT toString(MinOffset) AS min, toString(MaxOffset) AS max FROM \`${this.database}\`.${LEDGER_TABLE}
              WHERE Topic = {topic:String} AND Partition = {partition:UInt32} AND MinOffset <= {offset:UInt64} AND MaxOffset >= {offset:UInt64}
              ORDER BY RecordedAt ASC LIMIT 1`,
      query_params: { topic, partition, offset },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ min: string; max: string }>();
    return row ? { min: Number(row.min), max: Number(row.max) } : undefined;
  }

  async record(topic: string, partition: number, minOffset: number, maxOffset: number): Promise<void> {
    await this.client.insert({
      table: `\`${this.database}\`.${LEDGER_TABLE}`,
      values: [{ Topic: topic, Partition: partition, MinOffset: minOffset, MaxOffset: maxOffset }],
      format: 'JSONEachRow',
      columns: ['Topic', 'Partition', 'MinOffset', 'MaxOffset'],
      // Identical ranges recorded twice may be deduplicated: either copy says the same thing.
      clickhouse_settings: { async_insert: 0, wait_end_of_query: 1 },
    });
  }
}
