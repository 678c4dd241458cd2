/**
 * The delivery state (protocol.ts, steps 1, 2 and 5): plans decide each batch's range once, done
 * ranges say what is in every table, both kept without TTL. This file holds the interface and the
 * single-server form in MergeTree tables (schemas/clickhouse/011_tributary_delivery.sql), where the
 * first committed plan is the one with the smallest _block_number: on one server a block number is
 * allocated and committed under the same parts lock, so that order is the commit order. Replicated
 * tables and ClickHouse Cloud allocate block numbers before commit and serve reads from any replica;
 * there the plans live in KeeperMap (keeper-state.ts).
 */
import { type ClickHouseClient, queryRows } from '../../core/clickhouse.js';

export interface Plan {
  readonly start: number;
  readonly end: number;
  readonly ruleVersion: string;
  readonly digest: string;
  readonly writer: string;
}

export interface DoneRange {
  readonly start: number;
  readonly end: number;
  readonly kind: 'done' | 'lost' | 'seeded';
}

/** What stands at a position: the end of a done range covering it, the plan starting there, the next done range after it. */
export interface PositionState {
  readonly doneEnd?: number;
  readonly plan?: Plan;
  /** Start of the first done range beginning after the position: a batch begun here stops there. */
  readonly nextDone?: number;
}

export interface DeliveryState {
  /** The winning plan of the batch starting at `start`. */
  planAt(stream: string, start: number): Promise<Plan | undefined>;
  /** Proposes a plan; the answer is the winner, which may be someone else's. */
  propose(stream: string, plan: Plan): Promise<Plan>;
  /** The plan whose range contains `offset`, if any. */
  planContaining(stream: string, offset: number): Promise<Plan | undefined>;
  /** What stands at `position`, in one round trip (it runs at every batch start). */
  at(stream: string, position: number): Promise<PositionState>;
  /** Where writing resumes: the end of the last done range (undefined: nothing done yet). */
  resumePosition(stream: string): Promise<number | undefined>;
  markDone(
    stream: string,
    where: { topic: string; partition: number },
    range: DoneRange,
    rows: number,
  ): Promise<void>;
  /** An extra condition the fenced insert executes (the backend's own done flag), if it has one. */
  fenceCondition(stream: string, start: number): string | undefined;
}

export class TablesState implements DeliveryState {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  fenceCondition(): undefined {
    return undefined;
  }

  private table(name: string): string {
    return `\`${this.database}\`.${name}`;
  }

  private rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    return queryRows<T>(this.client, query, params);
  }

  /** The first plan committed for `start`. */
  async planAt(stream: string, start: number): Promise<Plan | undefined> {
    const [row] = await this.rows<{ s: string; e: string; r: string; d: string; w: string }>(
      `SELECT toString(Start) AS s, toString(End) AS e, RuleVersion AS r, Digest AS d, Writer AS w
       FROM ${this.table('tributary_plans')}
       WHERE Stream = {stream:String} AND Start = {start:UInt64}
       ORDER BY _block_number, _block_offset LIMIT 1`,
      { stream, start },
    );
    return row
      ? { start: Number(row.s), end: Number(row.e), ruleVersion: row.r, digest: row.d, writer: row.w }
      : undefined;
  }

  /** Proposes a plan; the answer is the winner, which may be someone else's. */
  async propose(stream: string, plan: Plan): Promise<Plan> {
    await this.client.insert({
      table: this.table('tributary_plans'),
      values: [
        {
          Stream: stream,
          Start: plan.start,
          End: plan.end,
          RuleVersion: plan.ruleVersion,
          Digest: plan.digest,
          Writer: plan.writer,
        },
      ],
      format: 'JSONEachRow',
      columns: ['Stream', 'Start', 'End', 'RuleVersion', 'Digest', 'Writer'],
      // Every proposal lands as its own block: rows differ (PlannedAt, Writer), so no dedup by content
      // can drop a second plan, and no token is given (since 26.2 insert_deduplicate=0 alone would not
      // turn dedup off: deduplicate_insert decides).
      clickhouse_settings: { async_insert: 0, wait_end_of_query: 1 },
    });
    return (await this.planAt(stream, plan.start)) ?? plan;
  }

  /** The plan whose range contains `offset` (start inclusive, end exclusive), if any. */
  async planContaining(stream: string, offset: number): Promise<Plan | undefined> {
    const [row] = await this.rows<{ s: string }>(
      `SELECT toString(Start) AS s FROM ${this.table('tributary_plans')}
       WHERE Stream = {stream:String} AND Start <= {offset:UInt64} AND End > {offset:UInt64}
       ORDER BY _block_number, _block_offset LIMIT 1`,
      { stream, offset },
    );
    return row ? this.planAt(stream, Number(row.s)) : undefined;
  }

  /**
   * What stands at `position`, in one round trip (it runs at every batch start): the end of a done
   * range covering it, and the winning plan starting there.
   */
  async at(stream: string, position: number): Promise<PositionState> {
    const rows = await this.rows<{ k: string; e: string; r: string; d: string; w: string }>(
      `SELECT 'done' AS k, toString(max(End)) AS e, '' AS r, '' AS d, '' AS w
       FROM ${this.table('tributary_done')}
       WHERE Stream = {stream:String} AND Start <= {position:UInt64} AND End > {position:UInt64}
       HAVING count() > 0
       UNION ALL
       SELECT 'next' AS k, toString(min(Start)) AS e, '' AS r, '' AS d, '' AS w
       FROM ${this.table('tributary_done')}
       WHERE Stream = {stream:String} AND Start > {position:UInt64}
       HAVING count() > 0
       UNION ALL
       SELECT * FROM (
         SELECT 'plan' AS k, toString(End) AS e, RuleVersion AS r, Digest AS d, Writer AS w
         FROM ${this.table('tributary_plans')}
         WHERE Stream = {stream:String} AND Start = {position:UInt64}
         ORDER BY _block_number, _block_offset LIMIT 1)`,
      { stream, position },
    );
    const done = rows.find((r) => r.k === 'done');
    const next = rows.find((r) => r.k === 'next');
    const plan = rows.find((r) => r.k === 'plan');
    return {
      ...(done ? { doneEnd: Number(done.e) } : {}),
      ...(next ? { nextDone: Number(next.e) } : {}),
      ...(plan
        ? {
            plan: {
              start: position,
              end: Number(plan.e),
              ruleVersion: plan.r,
              digest: plan.d,
              writer: plan.w,
            },
          }
        : {}),
    };
  }

  /** Where writing resumes: the end of the last done range (undefined: nothing done yet). */
  async resumePosition(stream: string): Promise<number | undefined> {
    const [row] = await this.rows<{ e: string; n: string }>(
      `SELECT toString(max(End)) AS e, toString(count()) AS n FROM ${this.table('tributary_done')}
       WHERE Stream = {stream:String}`,
      { stream },
    );
    return row && Number(row.n) > 0 ? Number(row.e) : undefined;
  }

  async markDone(
    stream: string,
    where: { topic: string; partition: number },
    range: DoneRange,
    rows: number,
  ): Promise<void> {
    await this.client.insert({
      table: this.table('tributary_done'),
      values: [
        {
          Stream: stream,
          Start: range.start,
          End: range.end,
          Kind: range.kind,
          Topic: where.topic,
          Partition: where.partition,
          Rows: rows,
        },
      ],
      format: 'JSONEachRow',
      columns: ['Stream', 'Start', 'End', 'Kind', 'Topic', 'Partition', 'Rows'],
      clickhouse_settings: { async_insert: 0, wait_end_of_query: 1 },
    });
  }
}
