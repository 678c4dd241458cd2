/**
 * The delivery state for replicated tables and ClickHouse Cloud (clickhouse.coordination=keepermap):
 * each batch's plan is one key `<stream>@<start>` of a KeeperMap table (tributary_plans_kv), stored
 * in ClickHouse Keeper / ZooKeeper and shared by every replica.
 *
 * - Proposing is a strict-mode insert (keeper_map_strict_mode=1): Keeper creates the key or refuses
 *   because it exists — a compare-and-set, whatever replica or load balancer the writers reach.
 *   (Block numbers cannot decide there: a replicated insert allocates its number in Keeper before it
 *   commits, so "smallest number" is not "first committed", and a lagging replica may not have it.)
 * - Marking done sets the key's Done flag; the fenced insert executes a point read of that key
 *   (fenceCondition), so a writer frozen with a stale view of the state inserts nothing once the
 *   range is done, on any replica.
 * - The MergeTree tables (tributary_plans, tributary_done) still get every winning plan and done
 *   range as history: resume positions, replays of old ranges and `status` read them. Their reads
 *   may lag behind on another replica; the protocol only needs them for ranges older than a replica's
 *   lag: a resume position read late walks forward over done keys (at()), never back into a
 *   write.
 * - Keys are deleted an hour after their range is done (only by the writer that marked it): Keeper
 *   holds the recent ranges; older ones are fenced by the done history (overlap), long replicated.
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { KEEPER_STATE_TABLE } from '../../schemas/ddl.js';
import { literal, quote } from './fenced-insert.js';
import { type DeliveryState, type DoneRange, type Plan, type PositionState, TablesState } from './state.js';

/** How long a done range's key stays in Keeper: far beyond any replica's lag. */
const KEEP_DONE_KEYS_MS = 60 * 60 * 1000;
/** Keys deleted per statement. */
const PRUNE_BATCH = 500;

interface KeyRow {
  s: string;
  e: string;
  r: string;
  d: string;
  w: string;
  done: number;
}

export function planKey(stream: string, start: number): string {
  return `${stream}@${start}`;
}

export class KeeperState implements DeliveryState {
  private readonly history: TablesState;
  private readonly doneKeys: { key: string; at: number }[] = [];

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {
    this.history = new TablesState(client, database);
  }

  private get table(): string {
    return `${quote(this.database)}.${KEEPER_STATE_TABLE}`;
  }

  fenceCondition(stream: string, start: number): string {
    return `(SELECT count() FROM ${this.table} WHERE Key = ${literal(planKey(stream, start))} AND Done = 1) = 0`;
  }

  private async keyAt(stream: string, start: number): Promise<KeyRow | undefined> {
    const result = await this.client.query({
      query: `SELECT toString(Start) AS s, toString(End) AS e, RuleVersion AS r, Digest AS d, Writer AS w, Done AS done
              FROM ${this.table} WHERE Key = {key:String}`,
      query_params: { key: planKey(stream, start) },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<KeyRow>();
    return row;
  }

  private static plan(row: KeyRow): Plan {
    return { start: Number(row.s), end: Number(row.e), ruleVersion: row.r, digest: row.d, writer: row.w };
  }

  async planAt(stream: string, start: number): Promise<Plan | undefined> {
    const row = await this.keyAt(stream, start);
    return row ? KeeperState.plan(row) : this.history.planAt(stream, start);
  }

  private async put(stream: string, plan: Plan, done: boolean, strict: boolean): Promise<void> {
    await this.client.insert({
      table: this.table,
      values: [
        {
          Key: planKey(stream, plan.start),
          Stream: stream,
          Start: plan.start,
          End: plan.end,
          RuleVersion: plan.ruleVersion,
          Digest: plan.digest,
          Writer: plan.writer,
          Done: done ? 1 : 0,
        },
      ],
      format: 'JSONEachRow',
      columns: ['Key', 'Stream', 'Start', 'End', 'RuleVersion', 'Digest', 'Writer', 'Done'],
      clickhouse_settings: { keeper_map_strict_mode: strict ? 1 : 0, async_insert: 0 },
    });
  }

  async propose(stream: string, plan: Plan): Promise<Plan> {
    try {
      await this.put(stream, plan, false, true);
    } catch (err) {
      // Refused: the key exists (someone proposed first) — or the insert failed; the key tells.
      const row = await this.keyAt(stream, plan.start);
      if (!row) throw err;
      return KeeperState.plan(row);
    }
    await this.history.propose(stream, plan);
    return plan;
  }

  planContaining(stream: string, offset: number): Promise<Plan | undefined> {
    return this.history.planContaining(stream, offset);
  }

  async at(stream: string, position: number): Promise<PositionState> {
    const [row, logged] = await Promise.all([
      this.keyAt(stream, position),
      this.history.at(stream, position),
    ]);
    if (!row) return logged;
    const plan = KeeperState.plan(row);
    const doneEnd = row.done === 1 ? Math.max(plan.end, logged.doneEnd ?? 0) : logged.doneEnd;
    return {
      ...(doneEnd !== undefined ? { doneEnd } : {}),
      plan,
      ...(logged.nextDone !== undefined ? { nextDone: logged.nextDone } : {}),
    };
  }

  resumePosition(stream: string): Promise<number | undefined> {
    return this.history.resumePosition(stream);
  }

  async markDone(
    stream: string,
    where: { topic: string; partition: number },
    range: DoneRange,
    rows: number,
  ): Promise<void> {
    const planned = range.kind === 'done' ? await this.keyAt(stream, range.start) : undefined;
    const plan: Plan = planned
      ? KeeperState.plan(planned)
      : { start: range.start, end: range.end, ruleVersion: range.kind, digest: '', writer: '' };
    await this.put(stream, plan, true, false);
    await this.history.markDone(stream, where, range, rows);
    this.doneKeys.push({ key: planKey(stream, range.start), at: Date.now() });
    await this.prune();
  }

  /** Deletes the keys of ranges done long ago by this process (protocol: the history fences them). */
  private async prune(): Promise<void> {
    const cutoff = Date.now() - KEEP_DONE_KEYS_MS;
    let expired = 0;
    while (expired < this.doneKeys.length && this.doneKeys[expired]!.at < cutoff) expired++;
    if (expired < PRUNE_BATCH) return;
    const keys = this.doneKeys.slice(0, expired).map((k) => k.key);
    await this.client.command({
      query: `DELETE FROM ${this.table} WHERE Key IN {keys:Array(String)}`,
      query_params: { keys },
    });
    this.doneKeys.splice(0, expired);
  }
}
