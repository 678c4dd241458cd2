/** `tributary migrate`: the database and the ClickStack tables, idempotently. */
import { type ClickHouseClient, clickhouseFromConfig } from '../core/clickhouse.js';
import type { Config } from '../core/config/options.js';
import { TributaryError, errorMessage } from '../core/errors.js';
import { type Logger, createLogger } from '../core/log.js';
import type { Retention } from '../core/config/retention.js';
import {
  DEDUP_TABLES,
  type DdlOptions,
  KEEPER_STATE_TABLE,
  MARKED_TABLES,
  SELF_TEST_TABLE,
  keeperStateDdl,
  loadDdl,
  supportsFullTextIndexes,
  validateDdlOptions,
} from './ddl.js';

/** The index variant is not an option: it follows the server's version, as ClickStack's migrator does. */
export interface MigrateOptions extends Omit<DdlOptions, 'fullTextIndexes'> {
  readonly log?: Logger;
  /** clickhouse.coordination: whether the KeeperMap state table is made (auto: when tables are replicated). */
  readonly coordination?: 'auto' | 'mergetree' | 'keepermap';
}

export interface MigrateResult {
  readonly files: readonly string[];
  readonly statements: number;
  /** Text indexes (server >= 26.2) or the bloom_filter / tokenbf_v1 variant. */
  readonly fullTextIndexes: boolean;
}

async function serverVersion(client: ClickHouseClient): Promise<string> {
  const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
  const [row] = await result.json<{ version: string }>();
  if (!row) throw new TributaryError('INTERNAL', 'SELECT version() returned no row');
  return row.version;
}

export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrateResult> {
  validateDdlOptions(options);
  const log = options.log ?? createLogger({ component: 'migrate' });
  const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
  if (options.cluster) await refuseShards(client, options.cluster);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${options.database}\`${onCluster}` });
  const version = await serverVersion(client);
  const fullTextIndexes = supportsFullTextIndexes(version);
  const files = loadDdl({ ...options, fullTextIndexes });
  let statements = 0;
  for (const file of files) {
    for (const statement of file.statements) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        throw new TributaryError('INTERNAL', `migration ${file.name} failed: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      statements++;
    }
    log.info('applied', { file: file.name, database: options.database });
  }
  // Existing tables (created by an older migrate or by the ClickStack collector) get the dedup window
  // the delivery guarantee needs; CREATE ... IF NOT EXISTS alone would leave theirs.
  const setting = options.cluster ? 'replicated_deduplication_window' : 'non_replicated_deduplication_window';
  for (const table of [...DEDUP_TABLES, SELF_TEST_TABLE]) {
    await client.command({
      query: `ALTER TABLE \`${options.database}\`.\`${table}\`${onCluster} MODIFY SETTING ${setting} = ${options.dedupWindow}`,
    });
    statements++;
  }
  // The insert-mark views run as their definer (the user who first ran migrate): a definer dropped
  // later would make every insert fail. Running migrate again points them at the current user.
  for (const table of MARKED_TABLES) {
    await client.command({
      query: `ALTER TABLE \`${options.database}\`.\`tributary_mark_${table}\`${onCluster} MODIFY SQL SECURITY DEFINER DEFINER = CURRENT_USER`,
    });
    statements++;
  }
  if (await needsKeeperState(client, options)) {
    try {
      await client.command({ query: keeperStateDdl(options) });
    } catch (err) {
      throw new TributaryError(
        'INTERNAL',
        `cannot create ${KEEPER_STATE_TABLE} (KeeperMap), which replicated tables need for exactly-once plans: ${errorMessage(err)}. The server needs <keeper_map_path_prefix> in its configuration (and a Keeper); ClickHouse Cloud has both`,
        { cause: err },
      );
    }
    statements++;
    log.info('KeeperMap delivery state ready', { table: KEEPER_STATE_TABLE });
  }
  log.info('schema ready', {
    database: options.database,
    version,
    indexes: fullTextIndexes ? 'text' : 'bloom',
  });
  return { files: files.map((f) => f.name), statements, fullTextIndexes };
}

/**
 * tributary keeps one delivery state per database; on a cluster of several shards each shard would
 * hold its own (no Distributed tables are made), and writers behind a load balancer could insert a
 * range twice. Single-shard clusters (any number of replicas) only.
 */
async function refuseShards(client: ClickHouseClient, cluster: string): Promise<void> {
  const result = await client.query({
    query:
      'SELECT toString(uniqExact(shard_num)) AS shards FROM system.clusters WHERE cluster = {cluster:String}',
    query_params: { cluster },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ shards: string }>();
  const shards = Number(row?.shards ?? 0);
  if (shards === 0)
    throw new TributaryError(
      'CONFIG_INVALID',
      `config schema.cluster: the server knows no cluster ${cluster}`,
    );
  if (shards > 1)
    throw new TributaryError(
      'CONFIG_INVALID',
      `config schema.cluster: cluster ${cluster} has ${shards} shards; tributary supports single-shard clusters (replicas are fine): its delivery state is per shard`,
    );
}

/** Whether this deployment's plans live in KeeperMap: asked for, or auto on replicated tables. */
async function needsKeeperState(client: ClickHouseClient, options: MigrateOptions): Promise<boolean> {
  const coordination = options.coordination ?? 'auto';
  if (coordination !== 'auto') return coordination === 'keepermap';
  if (options.cluster) return true;
  const result = await client.query({
    query: `SELECT engine FROM system.tables WHERE database = {db:String} AND name = 'tributary_done'`,
    query_params: { db: options.database },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ engine: string }>();
  return /^(Replicated|Shared)/.test(row?.engine ?? '');
}

/** The per-signal retention keys (`schema.logsTtl`, …) as DDL options. */
export function schemaRetention(config: Config): Retention {
  return {
    logs: config['schema.logsTtl'],
    traces: config['schema.tracesTtl'],
    metrics: config['schema.metricsTtl'],
    sessions: config['schema.sessionsTtl'],
  };
}

export async function runMigrateCommand(config: Config): Promise<void> {
  const client = clickhouseFromConfig(config, { database: 'default' });
  try {
    const ping = await client.ping();
    if (!ping.success)
      throw new TributaryError(
        'CLICKHOUSE_UNAVAILABLE',
        `cannot reach ClickHouse at ${config['clickhouse.url']}: ${errorMessage(ping.error)}`,
      );
    const result = await migrate(client, {
      database: config['clickhouse.database'],
      ttlDays: config['schema.ttlDays'],
      ttl: schemaRetention(config),
      cluster: config['schema.cluster'],
      dedupWindow: config['clickhouse.dedupWindow'],
      coordination: config['clickhouse.coordination'],
    });
    process.stdout.write(
      `migrated database ${config['clickhouse.database']}: ${result.files.length} files, ${result.statements} statements\n`,
    );
  } finally {
    await client.close();
  }
}
