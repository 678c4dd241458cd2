/**
 * The upgrade planner: what `migrate` changes so an existing database (made by an older tributary,
 * an older ClickStack, or the Collector's exporter) gets the current layout without losing data.
 * ClickStack and the exporter create tables with `CREATE TABLE IF NOT EXISTS` only, so a table made
 * by an older release never gets the columns, indexes, views and settings added later (hyperdx
 * issue 3141: a rollup view then fails on the columns it expects). The planner compares every
 * statement of the rendered DDL with the live database and plans, in DDL order (columns before
 * the views that read them):
 *
 * - a missing table or view: created;
 * - a missing column (MATERIALIZED and ALIAS ones included; old parts compute them on read): added,
 *   after the column that precedes it in tributary's layout;
 * - a missing data-skipping index: added (it covers parts written from then on);
 * - a MergeTree setting of tributary's DDL the table lacks or holds another value of
 *   (ttl_only_drop_parts, the block number columns, the dedup window): modified;
 * - the TTL: set when the retention was given explicitly (a default never shortens or removes an
 *   existing table's retention): anchored on the table's own time expression when it has a simple
 *   `<time> + <interval>` TTL, kept with a note when it has another kind.
 *
 * What cannot change in place is kept and noted: a column of another type, the sort key, a
 * partial Nested column. Every planned change is a statement that is idempotent on its own
 * (`IF NOT EXISTS`, or a value set), so a run stopped half-way is finished by the next one, and a
 * second run plans nothing.
 */
import { type ColumnDefinition, type ParsedStatement, parseLiveCreate, parseStatement } from './ddl-parse.js';
import type { DdlFile } from './ddl.js';
import type { LiveSchema, LiveTable } from './live-schema.js';

export interface PlannedChange {
  /**
   * change: a difference the statement removes; note: a difference kept as it is (no statement);
   * always: a statement of the DDL that is neither a CREATE TABLE nor a CREATE MATERIALIZED VIEW,
   * run on every migrate as written.
   */
  readonly kind: 'change' | 'note' | 'always';
  readonly table: string;
  /** One line for the operator: `add column EventName String`, `create view`. */
  readonly what: string;
  readonly sql: string | undefined;
}

export interface UpgradeOptions {
  readonly database: string;
  /** ` ON CLUSTER \`name\`` or ''. */
  readonly onCluster: string;
  /** Tables whose TTL follows the configured retention even on an existing table. */
  readonly ttlTables: ReadonlySet<string>;
}

/** Settings tributary's DDL sets that an existing MergeTree table can take with MODIFY SETTING. */
const RECONCILED_SETTINGS = new Set([
  'ttl_only_drop_parts',
  'enable_block_number_column',
  'enable_block_offset_column',
  'non_replicated_deduplication_window',
  'replicated_deduplication_window',
]);

const quote = (name: string): string => '`' + name.replace(/`/g, '``') + '`';
const squash = (text: string): string => text.replace(/\s+/g, '').replace(/`/g, '');

/** `<anchor> + toInterval<Unit>(n)`: the anchor and the interval in seconds; undefined for other TTLs. */
export function simpleTtl(ttl: string): { anchor: string; seconds: number } | undefined {
  const match =
    /^(.+?)\s*\+\s*(?:INTERVAL\s+(\d+)\s+(SECOND|MINUTE|HOUR|DAY)|toInterval(Second|Minute|Hour|Day)\((\d+)\))$/i.exec(
      ttl.trim(),
    );
  if (!match) return undefined;
  const unit = (match[3] ?? match[4]!).toLowerCase();
  const n = Number(match[2] ?? match[5]);
  const seconds = n * { second: 1, minute: 60, hour: 3_600, day: 86_400 }[unit as 'second'];
  return { anchor: match[1]!.trim(), seconds };
}

function columnPresent(live: LiveTable, column: ColumnDefinition): 'yes' | 'no' | 'partly' {
  const names = new Set(live.columns.map((c) => c.name));
  if (!column.nested) return names.has(column.name) ? 'yes' : 'no';
  const present = column.nested.filter((n) => names.has(n)).length;
  return present === column.nested.length ? 'yes' : present === 0 ? 'no' : 'partly';
}

function planTable(
  target: Extract<ParsedStatement, { kind: 'table' }>,
  live: LiveTable,
  options: UpgradeOptions,
): PlannedChange[] {
  const table = target.table;
  const alter = `ALTER TABLE ${quote(options.database)}.${quote(table)}${options.onCluster}`;
  const changes: PlannedChange[] = [];
  const note = (what: string): void => void changes.push({ kind: 'note', table, what, sql: undefined });
  const change = (what: string, sql: string): void => void changes.push({ kind: 'change', table, what, sql });
  let previous: string | undefined;
  for (const column of target.columns) {
    const present = columnPresent(live, column);
    if (present === 'no') {
      const after = previous && !column.nested ? ` AFTER ${quote(previous)}` : '';
      change(
        `add column ${column.name} ${column.type}`,
        `${alter} ADD COLUMN IF NOT EXISTS ${column.definition}${after}`,
      );
    } else if (present === 'partly') note(`keeps its partial ${column.name} columns`);
    else if (!column.nested) {
      const liveType = live.columns.find((c) => c.name === column.name)!.type;
      if (squash(liveType) !== squash(column.type))
        note(`keeps ${column.name} ${liveType} (tributary's layout: ${column.type})`);
    }
    if (!column.nested) previous = column.name;
  }
  for (const index of target.indexes)
    if (!live.indexes.includes(index.name))
      change(`add index ${index.name}`, `${alter} ADD INDEX IF NOT EXISTS ${index.definition}`);
  const current = parseLiveCreate(live.createQuery);
  for (const [name, value] of target.settings) {
    if (!RECONCILED_SETTINGS.has(name) || current.settings.get(name) === value) continue;
    change(`set ${name} = ${value}`, `${alter} MODIFY SETTING ${name} = ${value}`);
  }
  const ttl = planTtl(target.ttl, current.ttl, options.ttlTables.has(table));
  if (ttl) {
    if (ttl.sql === undefined) note(ttl.what);
    else change(ttl.what, `${alter} ${ttl.sql}`);
  }
  if (target.orderBy && current.orderBy && squash(target.orderBy) !== squash(current.orderBy))
    note(`keeps ORDER BY ${current.orderBy} (a sort key cannot change in place)`);
  return changes;
}

/** The TTL step of one table: undefined when nothing differs; `sql` undefined for a note. */
function planTtl(
  target: string | undefined,
  current: string | undefined,
  reconcile: boolean,
): { what: string; sql: string | undefined } | undefined {
  const want = target === undefined ? undefined : simpleTtl(target);
  const have = current === undefined ? undefined : simpleTtl(current);
  const same =
    target === current || (want !== undefined && have !== undefined && want.seconds === have.seconds);
  if (same) return undefined;
  if (!reconcile)
    return { what: `keeps ${current ? `TTL ${current}` : 'no TTL'} (no retention given)`, sql: undefined };
  if (target === undefined) return { what: `remove TTL (was ${current})`, sql: 'REMOVE TTL' };
  if (current === undefined) return { what: `set TTL ${target}`, sql: `MODIFY TTL ${target}` };
  if (!have || !want) return { what: `keeps TTL ${current} (not a simple time + interval)`, sql: undefined };
  const interval = target.slice(target.lastIndexOf('+') + 1).trim();
  // As ClickStack's reconcile: a longer retention re-evaluates old parts, a shorter one waits for merges.
  const materialize = want.seconds > have.seconds ? 1 : 0;
  return {
    what: `set TTL ${have.anchor} + ${interval} (was ${current})`,
    sql: `MODIFY TTL ${have.anchor} + ${interval} SETTINGS materialize_ttl_after_modify = ${materialize}`,
  };
}

/** The changes that bring `live` to the rendered DDL `files`, in the order to apply them. */
export function planUpgrade(
  files: readonly DdlFile[],
  live: LiveSchema,
  options: UpgradeOptions,
): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const file of files)
    for (const statement of file.statements) {
      const parsed = parseStatement(statement);
      if (parsed.kind === 'other') {
        changes.push({ kind: 'always', table: file.name, what: 'run', sql: statement });
        continue;
      }
      const existing = live.get(parsed.table);
      if (!existing)
        changes.push({
          kind: 'change',
          table: parsed.table,
          what: parsed.kind === 'view' ? 'create view' : 'create table',
          sql: statement,
        });
      else if (parsed.kind === 'table') changes.push(...planTable(parsed, existing, options));
    }
  return changes;
}
