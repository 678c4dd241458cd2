/**
 * ClickHouse checks: the server version, and for every table tributary writes or keeps its delivery
 * state in — that it exists, is a MergeTree, remembers enough inserts for dedup, its TTL, and that it
 * has every column our DDL declares (the writer fills only the columns a table has).
 */
import { type ClickHouseClient, queryRows } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { DEDUP_TABLES, INSERTED_TABLES, loadDdl } from '../../schemas/ddl.js';
import { MIN_DEDUP_WINDOW, dedupWindowOf } from '../../writer/delivery/preflight.js';
import type { Finding } from './findings.js';

const STATE_TABLES = ['tributary_plans', 'tributary_done', 'tributary_inserts'];
/** Oldest ClickHouse the delivery state was built and tested against (block-number columns). */
const MIN_VERSION = [24, 8];

interface TableRow {
  name: string;
  engine: string;
  engine_full: string;
  create_table_query: string;
}

/** Splits a column list at its top-level commas (types like Nested(...) or Map(...) hold commas). */
function topLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of list) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Column names per table as our DDL declares them (parsed from the rendered CREATE TABLE). */
export function declaredColumns(): Map<string, string[]> {
  const declared = new Map<string, string[]>();
  const ddl = loadDdl({ database: 'db', ttlDays: 0, cluster: '', dedupWindow: 1 });
  for (const statement of ddl.flatMap((f) => f.statements)) {
    const head = /^CREATE TABLE IF NOT EXISTS \S+\.`?(\w+)`?[^(]*\(/.exec(statement);
    const end = statement.search(/\)\s*ENGINE/);
    if (!head || end < 0) continue;
    const columns = topLevel(statement.slice(head[0].length, end))
      .map((part) => /^`?([A-Za-z_][\w.]*)`?\s/.exec(part)?.[1])
      .filter((c): c is string => c !== undefined && !/^(INDEX|PROJECTION|CONSTRAINT)$/.test(c));
    declared.set(head[1]!, columns);
  }
  return declared;
}

/** Whether a table has a declared column (a Nested one shows in system.columns as name.field). */
function hasColumn(columns: Set<string> | undefined, name: string): boolean {
  if (!columns) return false;
  if (columns.has(name)) return true;
  for (const c of columns) if (c.startsWith(`${name}.`)) return true;
  return false;
}

export async function checkClickHouse(client: ClickHouseClient, config: Config): Promise<Finding[]> {
  const findings: Finding[] = [];
  const database = config['clickhouse.database'];
  const [{ version } = { version: '' }] = await queryRows<{ version: string }>(
    client,
    'SELECT version() AS version',
  );
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const old = major < MIN_VERSION[0]! || (major === MIN_VERSION[0] && minor < MIN_VERSION[1]!);
  findings.push({
    severity: old ? 'warning' : 'info',
    subject: 'clickhouse',
    what: old
      ? `version ${version} is older than ${MIN_VERSION.join('.')}, the oldest the delivery state is tested on`
      : `version ${version}`,
    ...(old ? { fix: 'upgrade ClickHouse' } : {}),
  });

  const tables = new Map(
    (
      await queryRows<TableRow>(
        client,
        'SELECT name, engine, engine_full, create_table_query FROM system.tables WHERE database = {db:String}',
        { db: database },
      )
    ).map((t) => [t.name, t]),
  );
  const columns = new Map<string, Set<string>>();
  for (const row of await queryRows<{ table: string; name: string }>(
    client,
    'SELECT table, name FROM system.columns WHERE database = {db:String}',
    { db: database },
  ))
    (columns.get(row.table) ?? columns.set(row.table, new Set()).get(row.table)!).add(row.name);
  const declared = declaredColumns();
  const migrate = `tributary migrate --clickhouse-database ${database}`;

  for (const name of [...DEDUP_TABLES, ...STATE_TABLES]) {
    const subject = `table ${database}.${name}`;
    const table = tables.get(name);
    if (!table) {
      findings.push({ severity: 'error', subject, what: 'missing', fix: migrate });
      continue;
    }
    if (!/MergeTree$/.test(table.engine)) {
      findings.push({
        severity: 'error',
        subject,
        what: `engine ${table.engine}: the writer's dedup and fence need a MergeTree-family engine`,
        fix: `recreate it with ${migrate}`,
      });
      continue;
    }
    if (DEDUP_TABLES.includes(name)) {
      const window = dedupWindowOf(table.engine_full, table.engine);
      if (window < MIN_DEDUP_WINDOW)
        findings.push({
          severity: 'error',
          subject,
          what: `dedup window ${window} (< ${MIN_DEDUP_WINDOW}): two executions of the same batch racing each other can both land`,
          fix: `${migrate} --clickhouse-dedup-window ${Math.max(MIN_DEDUP_WINDOW, config['clickhouse.dedupWindow'])}`,
        });
    }
    if (INSERTED_TABLES.includes(name) && !tables.has(`tributary_mark_${name}`))
      findings.push({
        severity: 'error',
        subject,
        what: `no insert-mark view tributary_mark_${name}: the writer cannot fence inserts into it`,
        fix: migrate,
      });
    const ttl = /\bTTL\s+(.+?)(?:\s+SETTINGS|$)/s.exec(table.engine_full)?.[1];
    if (ttl && STATE_TABLES.includes(name))
      findings.push({
        severity: 'error',
        subject,
        what: `has a TTL (${ttl}): delivery state must outlive any replay`,
        fix: `ALTER TABLE ${database}.${name} REMOVE TTL`,
      });
    else if (ttl) findings.push({ severity: 'info', subject, what: `TTL ${ttl}` });
    const missing = (declared.get(name) ?? []).filter((c) => !hasColumn(columns.get(name), c));
    if (missing.length > 0)
      findings.push({
        severity: 'warning',
        subject,
        what: `lacks column(s) ${missing.join(', ')}: the writer leaves those values out`,
        fix: `ALTER TABLE ${database}.${name} ADD COLUMN … as in schemas/clickhouse/ (or recreate with ${migrate})`,
      });
  }
  return findings;
}
