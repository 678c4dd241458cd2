/**
 * What the delivery guarantee needs from ClickHouse, checked once at start: the state tables and
 * the insert-mark views exist (else: run `tributary migrate`), and each data table remembers enough
 * inserts for dedup. The fence (writer/insert.ts) makes a late insert of a finished range a no-op by
 * itself; the dedup window only has to cover two executions of the same batch racing each other in
 * the server, so a small window suffices — but a window of 0 (what the ClickStack collector creates)
 * lets such a race land twice. That is said loudly, with the fix.
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { TributaryError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { DEDUP_TABLES, INSERTED_TABLES } from '../../schemas/ddl.js';

/** Inserts a table must remember: every partition of a signal racing itself once, with margin. */
export const MIN_DEDUP_WINDOW = 100;

export function dedupWindowOf(engineFull: string, engine: string): number {
  const replicated = /^Replicated|^Shared/.test(engine);
  const name = replicated ? 'replicated_deduplication_window' : 'non_replicated_deduplication_window';
  const match = new RegExp(`${name}\\s*=\\s*(\\d+)`).exec(engineFull);
  if (match) return Number(match[1]);
  return replicated ? 1000 : 0; // the server defaults (Replicated: also a time window since 25.10)
}

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
  const needed = ['tributary_plans', 'tributary_done', 'tributary_inserts'];
  const feeds = INSERTED_TABLES.filter((t) => tables.has(t));
  const missing = [...needed, ...feeds.map((t) => `tributary_mark_${t}`)].filter((t) => !tables.has(t));
  if (missing.length > 0)
    throw new TributaryError(
      'CONFIG_INVALID',
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
