/**
 * `tributary migrate`: the database and the ClickStack tables, idempotently, on an empty database
 * or on one an older tributary, an older ClickStack or the Collector's exporter made: the live
 * database is read first, the changes that bring it to the current layout are planned
 * (schemas/upgrade-plan.ts), printed, and applied unless it is a dry run.
 */
import { type ClickHouseClient, clickhouseFromConfig } from '../core/clickhouse.js';
import type { Config, ConfigKey } from '../core/config/options.js';
import type { Source } from '../core/config/load.js';
import { TributaryError, errorMessage } from '../core/errors.js';
import { type Logger, createLogger } from '../core/log.js';
import { type Retention, TTL_SIGNALS, type TtlSignal } from '../core/config/retention.js';
import {
  type AttributeLayout,
  type DdlOptions,
  KEEPER_STATE_TABLE,
  LAYOUT_TABLES,
  loadDdl,
  supportsFullTextIndexes,
  tablesBySignal,
  validateDdlOptions,
} from './ddl.js';
import { type Coordination, keeperStateHint, planDelivery, refuseShards } from './delivery-plan.js';
import { type LiveSchema, liveLayout, readLiveSchema } from './live-schema.js';
import { type PlannedChange, planUpgrade } from './upgrade-plan.js';

/** The index variant and the live layouts are not options: migrate reads them from the server. */
export interface MigrateOptions extends Omit<DdlOptions, 'fullTextIndexes' | 'layouts' | 'compatTables'> {
  readonly log?: Logger;
  /** Plan and print, change nothing. */
  readonly dryRun?: boolean;
  /**
   * Signals whose retention was given explicitly: only they change the TTL of existing tables (a
   * default never shortens or removes the retention of a table someone else made).
   */
  readonly explicitRetention?: ReadonlySet<TtlSignal>;
  /** Where the plan is printed, one line per change or note (default: nowhere). */
  readonly print?: (line: string) => void;
  /** clickhouse.coordination: whether the KeeperMap state table is made (auto: when tables are replicated). */
  readonly coordination?: Coordination;
}

export interface MigrateResult {
  readonly files: readonly string[];
  /** The changes and notes planned, in order (applied unless dryRun). */
  readonly plan: readonly PlannedChange[];
  /** Statements run (0 on a dry run). */
  readonly statements: number;
  /** Text indexes (server >= 26.2) or the bloom_filter / tokenbf_v1 variant, for new tables. */
  readonly fullTextIndexes: boolean;
  /** The attribute layout of each table that has one, after the run (or as planned). */
  readonly layouts: Readonly<Record<string, AttributeLayout>>;
}

async function serverVersion(client: ClickHouseClient): Promise<string> {
  const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
  const [row] = await result.json<{ version: string }>();
  if (!row) throw new TributaryError('INTERNAL', 'SELECT version() returned no row');
  return row.version;
}

/** Tables made with the bloom_filter / tokenbf_v1 indexes (their attribute-value indexes say so). */
function compatTables(live: LiveSchema): Set<string> {
  const out = new Set<string>();
  for (const [name, table] of live)
    if (table.indexes.some((index) => /^idx_[a-z]+_attr_value$/.test(index))) out.add(name);
  return out;
}

/**
 * The attribute layout of each table that has one: an existing table keeps its own (and what is
 * built on it follows it); a missing one takes the layout the existing ones share (a database the
 * exporter made in JSON mode gets a JSON hyperdx_sessions), else `configured`.
 */
function chooseLayouts(
  live: LiveSchema,
  configured: AttributeLayout,
  print: (line: string) => void,
): Record<string, AttributeLayout> {
  const existing = new Map<string, AttributeLayout>();
  for (const table of LAYOUT_TABLES) {
    const layout = liveLayout(live.get(table));
    if (layout) existing.set(table, layout);
  }
  const shared = new Set(existing.values());
  const forNew = shared.size === 1 ? [...shared][0]! : configured;
  const layouts: Record<string, AttributeLayout> = {};
  for (const table of LAYOUT_TABLES) {
    const layout = existing.get(table);
    if (layout) {
      layouts[table] = layout;
      if (layout !== configured)
        print(`= ${table}: keeps its ${layout} attribute columns (schema.attributes is ${configured})`);
    } else if (!live.has(table)) {
      layouts[table] = forNew;
      if (forNew !== configured)
        print(`= ${table}: gets ${forNew} attribute columns, as the database's other tables`);
    }
  }
  return layouts;
}

/** One printed line per planned change or note. */
export function describeChange(change: PlannedChange): string {
  return `${change.kind === 'note' ? '=' : '+'} ${change.table}: ${change.what}`;
}

export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrateResult> {
  validateDdlOptions(options);
  const log = options.log ?? createLogger({ component: 'migrate' });
  const print = options.print ?? (() => undefined);
  const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
  if (options.cluster) await refuseShards(client, options.cluster);
  const version = await serverVersion(client);
  const fullTextIndexes = supportsFullTextIndexes(version);
  const databases = await client.query({
    query: 'SELECT count() AS n FROM system.databases WHERE name = {db:String}',
    query_params: { db: options.database },
    format: 'JSONEachRow',
  });
  const exists = Number((await databases.json<{ n: string }>())[0]?.n ?? 0) > 0;
  const live = exists ? await readLiveSchema(client, options.database) : new Map();
  const layouts = chooseLayouts(live, options.attributes ?? 'map', print);
  const files = loadDdl({ ...options, fullTextIndexes, layouts, compatTables: compatTables(live) });
  const bySignal = tablesBySignal();
  const ttlTables = new Set([...(options.explicitRetention ?? [])].flatMap((signal) => bySignal[signal]));
  const plan = [
    ...planUpgrade(files, live, { database: options.database, onCluster, ttlTables }),
    ...planDelivery(live, options),
  ];
  const changes = plan.filter((c) => c.kind === 'change');
  if (!exists) print(`+ ${options.database}: create database`);
  for (const change of plan) if (change.kind !== 'always') print(describeChange(change));
  let statements = 0;
  if (!options.dryRun) {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${options.database}\`${onCluster}` });
    for (const change of plan) {
      if (change.sql === undefined) continue;
      try {
        await client.command({ query: change.sql });
      } catch (err) {
        throw new TributaryError(
          'INTERNAL',
          `migrate stopped at "${change.table}: ${change.what}" (${statements} statements applied; ` +
            `running migrate again continues from there): ${errorMessage(err)}` +
            (change.table === KEEPER_STATE_TABLE ? `. ${keeperStateHint()}` : ''),
          { cause: err },
        );
      }
      statements++;
    }
  }
  log.info(options.dryRun ? 'planned' : 'schema ready', {
    database: options.database,
    version,
    indexes: fullTextIndexes ? 'text' : 'bloom',
    changes: changes.length,
  });
  return { files: files.map((f) => f.name), plan, statements, fullTextIndexes, layouts };
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

const RETENTION_KEYS: Record<TtlSignal, ConfigKey> = {
  logs: 'schema.logsTtl',
  traces: 'schema.tracesTtl',
  metrics: 'schema.metricsTtl',
  sessions: 'schema.sessionsTtl',
};

/** Signals whose retention came from a flag, the environment or a file (schema.ttlDays counts for all). */
export function explicitRetention(sources: Readonly<Record<ConfigKey, Source>>): Set<TtlSignal> {
  const given = (key: ConfigKey): boolean => sources[key] !== 'default';
  return new Set(TTL_SIGNALS.filter((signal) => given(RETENTION_KEYS[signal]) || given('schema.ttlDays')));
}

export async function runMigrateCommand(
  config: Config,
  sources: Readonly<Record<ConfigKey, Source>>,
): Promise<void> {
  const client = clickhouseFromConfig(config, { database: 'default' });
  try {
    const ping = await client.ping();
    if (!ping.success)
      throw new TributaryError(
        'CLICKHOUSE_UNAVAILABLE',
        `cannot reach ClickHouse at ${config['clickhouse.url']}: ${errorMessage(ping.error)}`,
      );
    const dryRun = config.dryRun;
    const result = await migrate(client, {
      database: config['clickhouse.database'],
      ttlDays: config['schema.ttlDays'],
      ttl: schemaRetention(config),
      attributes: config['schema.attributes'],
      cluster: config['schema.cluster'],
      dedupWindow: config['clickhouse.dedupWindow'],
      dryRun,
      explicitRetention: explicitRetention(sources),
      print: (line) => void process.stdout.write(`${line}\n`),
      coordination: config['clickhouse.coordination'],
    });
    const changes = result.plan.filter((c) => c.kind === 'change').length;
    process.stdout.write(
      dryRun
        ? `dry run: ${changes} changes planned for database ${config['clickhouse.database']}, nothing applied\n`
        : `migrated database ${config['clickhouse.database']}: ${changes} changes, ${result.statements} statements\n`,
    );
  } finally {
    await client.close();
  }
}
