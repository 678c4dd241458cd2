/**
 * What the delivery protocol needs from the ClickHouse it talks to, checked once at start (the
 * writer, replay, DLQ re-drive) and by `tributary doctor`: the state tables and insert-mark views
 * exist (else: run `tributary migrate`), the topology is one the protocol covers (one shard; plans in
 * KeeperMap when tables are replicated), each table remembers enough inserts for dedup, and the
 * self-test proves on this very server that a body is one block, a repeated token is deduplicated
 * and the fence is executed. A failed proof refuses to start, naming the server version and the fix
 * — unless writer.allowAtLeastOnce says to run degraded, which is then said loudly.
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { TributaryError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { DEDUP_TABLES, INSERTED_TABLES, KEEPER_STATE_TABLE } from '../../schemas/ddl.js';
import { partitionTimeZone, setPartitionTimeZone } from '../transcode/partition-day.js';
import type { InsertTransport } from './fenced-insert.js';
import { KeeperState } from './keeper-state.js';
import { SELF_TEST_TABLE, selfTestOrFailure } from './self-test.js';
import { type ServerCaps, isReplicatedEngine, readServerCaps } from './server-caps.js';
import { type DeliveryState, TablesState } from './state.js';

/** Inserts a table must remember: every partition of a signal racing itself once, with margin. */
export const MIN_DEDUP_WINDOW = 100;

export type Coordination = 'mergetree' | 'keepermap';

export interface DeliverySetup {
  readonly state: DeliveryState;
  readonly coordination: Coordination;
  readonly transport: InsertTransport;
  readonly caps: ServerCaps;
}

export function dedupWindowOf(engineFull: string, engine: string): number {
  const replicated = isReplicatedEngine(engine);
  const name = replicated ? 'replicated_deduplication_window' : 'non_replicated_deduplication_window';
  const match = new RegExp(`${name}\\s*=\\s*(\\d+)`).exec(engineFull);
  if (match) return Number(match[1]);
  return replicated ? 1000 : 0; // the server defaults (Replicated: also a time window since 25.10)
}

const refuse = (message: string): never => {
  throw new TributaryError('CONFIG_INVALID', message);
};

/** The state tables, views and scratch table `migrate` makes; refuses with the fix when one is missing. */
export async function checkDeliveryTables(
  client: ClickHouseClient,
  database: string,
  config: Config,
  log: Logger,
): Promise<void> {
  const result = await client.query({
    query: `SELECT name, engine, engine_full FROM system.tables WHERE database = {db:String}`,
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  const tables = new Map(
    (await result.json<{ name: string; engine: string; engine_full: string }>()).map((t) => [t.name, t]),
  );
  const needed = ['tributary_plans', 'tributary_done', 'tributary_inserts', SELF_TEST_TABLE];
  const feeds = INSERTED_TABLES.filter((t) => tables.has(t));
  const missing = [...needed, ...[...feeds, SELF_TEST_TABLE].map((t) => `tributary_mark_${t}`)].filter(
    (t) => !tables.has(t),
  );
  if (missing.length > 0)
    refuse(
      `database ${database} lacks ${missing.join(', ')}: run \`tributary migrate\` (it adds the delivery state to existing tables too)`,
    );
  // The view targets too (trace-id table, kv rollups): their blocks dedup with the insert that fed them.
  for (const name of DEDUP_TABLES.filter((t) => tables.has(t))) {
    const table = tables.get(name)!;
    const window = dedupWindowOf(table.engine_full, table.engine);
    if (window < MIN_DEDUP_WINDOW)
      log.error(
        'insert dedup window too small: two executions of the same batch racing each other could both land (at-least-once in that race)',
        {
          table: name,
          window,
          needed: MIN_DEDUP_WINDOW,
          fix: `tributary migrate --clickhouse-dedup-window ${Math.max(MIN_DEDUP_WINDOW, config['clickhouse.dedupWindow'])} (sets it on existing tables)`,
        },
      );
  }
}

/**
 * Where plans live on this topology: KeeperMap whenever the tables are replicated (block numbers are
 * allocated before commit and reads go to any replica: protocol.ts step 2), MergeTree on one server.
 */
export function resolveCoordination(config: Config, caps: ServerCaps): Coordination {
  const replicated = INSERTED_TABLES.some((t) => isReplicatedEngine(caps.engines.get(t) ?? ''));
  const wanted = config['clickhouse.coordination'];
  if (caps.shards > 1)
    refuse(
      `cluster ${config['schema.cluster']} has ${caps.shards} shards: tributary's delivery state is per shard, so writers behind a load balancer across shards could insert a range twice. Use a single-shard cluster (replicas are fine) or one ClickHouse per tributary deployment`,
    );
  if (wanted === 'mergetree' && replicated)
    refuse(
      'the tables are replicated (Replicated/Shared MergeTree) and clickhouse.coordination=mergetree: plans in replicated tables are not a compare-and-set (block numbers are allocated before commit, reads may hit a lagging replica). Set clickhouse.coordination=keepermap (or auto) and run `tributary migrate`',
    );
  if (wanted === 'keepermap' || (wanted === 'auto' && replicated)) {
    if (!caps.engines.has(KEEPER_STATE_TABLE))
      refuse(
        `clickhouse.coordination resolves to keepermap but ${KEEPER_STATE_TABLE} does not exist: run \`tributary migrate\` with the same clickhouse.coordination (the server needs <keeper_map_path_prefix> in its configuration; ClickHouse Cloud has it)`,
      );
    return 'keepermap';
  }
  return 'mergetree';
}

export async function prepareDelivery(
  client: ClickHouseClient,
  config: Config,
  encoding: InsertTransport['encoding'],
  log: Logger,
): Promise<DeliverySetup> {
  const database = config['clickhouse.database'];
  await checkDeliveryTables(client, database, config, log);
  const caps = await readServerCaps(client, database, config['schema.cluster']);
  const coordination = resolveCoordination(config, caps);
  // Bodies are cut at the days the tables partition by: the server's (protocol.ts, step 3).
  setPartitionTimeZone(caps.timezone);
  if (partitionTimeZone() !== 'UTC')
    log.info("bodies are cut at the server time zone's midnight, as its tables partition", {
      timezone: caps.timezone,
    });
  const transport: InsertTransport = { encoding, settings: caps.insertSettings };
  const proof = await selfTestOrFailure(client, database, transport);
  if (!proof.ok) {
    const message = `the delivery self-test failed on ClickHouse ${caps.version}: ${proof.failures.join('; ')}`;
    if (!config['writer.allowAtLeastOnce'])
      refuse(
        `${message}. Exactly-once delivery is not possible on this server: upgrade it (docs/operations.md lists the versions checked), or start with --writer-allow-at-least-once to run degraded`,
      );
    log.error('running DEGRADED (writer.allowAtLeastOnce): a retried or raced insert may land twice', {
      reason: message,
    });
  } else log.info('delivery self-test passed', { version: caps.version, coordination, encoding });
  const state =
    coordination === 'keepermap' ? new KeeperState(client, database) : new TablesState(client, database);
  return { state, coordination, transport, caps };
}
