/**
 * What `migrate` plans for the writer's delivery guarantee besides the DDL files: the refusal of
 * multi-shard clusters, the insert-mark views' definer, and the KeeperMap state table of replicated
 * deployments. The upgrade planner (schemas/upgrade-plan.ts) covers the rest: the self-test table,
 * the marks table and views, the dedup windows (a MergeTree setting it reconciles).
 */
import type { ClickHouseClient } from '../core/clickhouse.js';
import { TributaryError } from '../core/errors.js';
import { type DdlOptions, KEEPER_STATE_TABLE, MARKED_TABLES, keeperStateDdl } from './ddl.js';
import type { LiveSchema } from './live-schema.js';
import type { PlannedChange } from './upgrade-plan.js';

/** clickhouse.coordination: whether the KeeperMap state table is made (auto: when tables are replicated). */
export type Coordination = 'auto' | 'mergetree' | 'keepermap';

/**
 * tributary keeps one delivery state per database; on a cluster of several shards each shard would
 * hold its own (no Distributed tables are made), and writers behind a load balancer could insert a
 * range twice. Single-shard clusters (any number of replicas) only.
 */
export async function refuseShards(client: ClickHouseClient, cluster: string): Promise<void> {
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
function needsKeeperState(live: LiveSchema, options: DeliveryPlanOptions): boolean {
  const coordination = options.coordination ?? 'auto';
  if (coordination !== 'auto') return coordination === 'keepermap';
  if (options.cluster) return true;
  return /^(Replicated|Shared)/.test(live.get('tributary_done')?.engine ?? '');
}

export interface DeliveryPlanOptions extends Pick<DdlOptions, 'database' | 'cluster'> {
  readonly coordination?: Coordination;
}

/** The message of a failed KeeperMap CREATE: what the server needs. */
export function keeperStateHint(): string {
  return `${KEEPER_STATE_TABLE} (KeeperMap) is needed by replicated tables for exactly-once plans; the server needs <keeper_map_path_prefix> in its configuration (and a Keeper); ClickHouse Cloud has both`;
}

/**
 * The delivery steps after the DDL's own: the mark views run as their definer (the user who first
 * ran migrate), so a definer dropped later would make every insert fail; every migrate points them
 * at the current user. The KeeperMap table when the plans live there.
 */
export function planDelivery(live: LiveSchema, options: DeliveryPlanOptions): PlannedChange[] {
  const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
  const changes: PlannedChange[] = MARKED_TABLES.map((table) => ({
    kind: 'always',
    table: `tributary_mark_${table}`,
    what: 'definer = current user',
    sql: `ALTER TABLE \`${options.database}\`.\`tributary_mark_${table}\`${onCluster} MODIFY SQL SECURITY DEFINER DEFINER = CURRENT_USER`,
  }));
  if (needsKeeperState(live, options) && !live.has(KEEPER_STATE_TABLE))
    changes.push({
      kind: 'change',
      table: KEEPER_STATE_TABLE,
      what: 'create table (KeeperMap delivery state)',
      sql: keeperStateDdl(options),
    });
  return changes;
}
