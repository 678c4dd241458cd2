/**
 * What the writer reads about the ClickHouse server it talks to, once at start: its version, which of
 * the settings the protocol sets explicitly it knows (an unknown setting fails a request, so each is
 * sent only where it exists), its time zone, the shape of the cluster named in schema.cluster, and the
 * engines of the tables it writes.
 */
import { type ClickHouseClient, queryRows } from '../../core/clickhouse.js';

/**
 * Settings sent with every fenced insert where the server has them, and why:
 * - deduplicate_insert_select (25.12+): from 26.1 its default `enable_when_possible` turns dedup off
 *   for an INSERT … SELECT without ORDER BY ALL, even with a token, until ClickHouse PR #99206
 *   (Core/DeduplicateInsert.cpp). Ours reads input() on one stream, so its result is stable:
 *   `enable_even_for_bad_queries` keeps dedup on on every version that has the setting.
 * - deduplicate_insert (26.2+): decides over insert_deduplicate; set to what insert_deduplicate says.
 */
const VERSIONED_INSERT_SETTINGS: Readonly<Record<string, string>> = {
  deduplicate_insert_select: 'enable_even_for_bad_queries',
  deduplicate_insert: 'enable',
};

export interface ServerCaps {
  readonly version: string;
  readonly timezone: string;
  /** The versioned settings this server knows, with the values inserts send. */
  readonly insertSettings: Readonly<Record<string, string>>;
  /** Shards of schema.cluster (1 without a cluster). */
  readonly shards: number;
  /** Engine of each table of the database. */
  readonly engines: ReadonlyMap<string, string>;
}

export async function readServerCaps(
  client: ClickHouseClient,
  database: string,
  cluster: string,
): Promise<ServerCaps> {
  const [server] = await queryRows<{ version: string; timezone: string }>(
    client,
    'SELECT version() AS version, timezone() AS timezone',
  );
  const known = await queryRows<{ name: string }>(
    client,
    'SELECT name FROM system.settings WHERE name IN {names:Array(String)}',
    { names: Object.keys(VERSIONED_INSERT_SETTINGS) },
  );
  const insertSettings = Object.fromEntries(
    known.map(({ name }) => [name, VERSIONED_INSERT_SETTINGS[name]!] as const),
  );
  let shards = 1;
  if (cluster) {
    const [row] = await queryRows<{ shards: string }>(
      client,
      'SELECT toString(uniqExact(shard_num)) AS shards FROM system.clusters WHERE cluster = {cluster:String}',
      { cluster },
    );
    shards = Number(row?.shards ?? 0);
  }
  const tables = await queryRows<{ name: string; engine: string }>(
    client,
    'SELECT name, engine FROM system.tables WHERE database = {db:String}',
    { db: database },
  );
  return {
    version: server?.version ?? 'unknown',
    timezone: server?.timezone ?? 'UTC',
    insertSettings,
    shards,
    engines: new Map(tables.map((t) => [t.name, t.engine])),
  };
}

/** Whether a table engine keeps its parts on several replicas (ReplicatedMergeTree, SharedMergeTree). */
export function isReplicatedEngine(engine: string): boolean {
  return /^(Replicated|Shared)/.test(engine);
}
