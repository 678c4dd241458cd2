/**
 * What a database holds now, read from the server's system tables: each table's engine, columns,
 * data-skipping indexes, TTL and settings. `migrate` reads it to choose the attribute layout of
 * what it builds on existing tables and to plan the changes that bring them to tributary's layout
 * (schemas/upgrade-plan.ts).
 */
import { type ClickHouseClient, queryRows } from '../core/clickhouse.js';
import type { AttributeLayout } from './ddl.js';

export interface LiveColumn {
  readonly name: string;
  readonly type: string;
  /** '', DEFAULT, MATERIALIZED, ALIAS or EPHEMERAL. */
  readonly defaultKind: string;
  readonly defaultExpression: string;
}

export interface LiveTable {
  readonly name: string;
  readonly engine: string;
  readonly columns: readonly LiveColumn[];
  /** Data-skipping index names. */
  readonly indexes: readonly string[];
  /** The table's CREATE statement as the server prints it (TTL, SETTINGS, ORDER BY). */
  readonly createQuery: string;
}

export type LiveSchema = ReadonlyMap<string, LiveTable>;

const select = <T>(client: ClickHouseClient, query: string, database: string): Promise<T[]> =>
  queryRows<T>(client, query, { db: database });

export async function readLiveSchema(client: ClickHouseClient, database: string): Promise<LiveSchema> {
  const tables = await select<{ name: string; engine: string; create_table_query: string }>(
    client,
    'SELECT name, engine, create_table_query FROM system.tables WHERE database = {db:String}',
    database,
  );
  const columns = await select<{
    table: string;
    name: string;
    type: string;
    default_kind: string;
    default_expression: string;
  }>(
    client,
    'SELECT table, name, type, default_kind, default_expression FROM system.columns ' +
      'WHERE database = {db:String} ORDER BY table, position',
    database,
  );
  const indexes = await select<{ table: string; name: string }>(
    client,
    'SELECT table, name FROM system.data_skipping_indices WHERE database = {db:String}',
    database,
  );
  const live = new Map<string, LiveTable>();
  for (const t of tables)
    live.set(t.name, {
      name: t.name,
      engine: t.engine,
      createQuery: t.create_table_query,
      columns: columns
        .filter((c) => c.table === t.name)
        .map((c) => ({
          name: c.name,
          type: c.type,
          defaultKind: c.default_kind,
          defaultExpression: c.default_expression,
        })),
      indexes: indexes.filter((i) => i.table === t.name).map((i) => i.name),
    });
  return live;
}

/** A table's attribute layout, from the type of its ResourceAttributes column (undefined: neither). */
export function liveLayout(table: LiveTable | undefined): AttributeLayout | undefined {
  const type = table?.columns.find((c) => c.name === 'ResourceAttributes')?.type;
  if (type === undefined) return undefined;
  if (/^JSON\b/.test(type)) return 'json';
  if (/^Map\(/.test(type)) return 'map';
  return undefined;
}

/** The layout of every table that has one. */
export function liveLayouts(live: LiveSchema): Record<string, AttributeLayout> {
  const out: Record<string, AttributeLayout> = {};
  for (const [name, table] of live) {
    const layout = liveLayout(table);
    if (layout) out[name] = layout;
  }
  return out;
}
