/**
 * Reads tributary's own rendered DDL statements (schemas/clickhouse/*.sql through ddl.ts) back into
 * parts the upgrade planner compares with a live table: the column and index definitions, the TTL
 * and the settings. It understands the shapes our templates use (one CREATE per statement, a
 * parenthesised definition list, `TTL` and `SETTINGS` clauses after it), not SQL in general.
 */

export interface ColumnDefinition {
  readonly name: string;
  /** The definition as written, name included: what `ALTER TABLE … ADD COLUMN` takes. */
  readonly definition: string;
  /** The type as written (after the name, before DEFAULT/MATERIALIZED/ALIAS/COMMENT/CODEC). */
  readonly type: string;
  /** For `Nested (…)` columns: the stored subcolumns' names (`Events.Name`, …). */
  readonly nested?: readonly string[];
}

export interface IndexDefinition {
  readonly name: string;
  /** `name expr TYPE … [GRANULARITY n]`: what `ALTER TABLE … ADD INDEX` takes. */
  readonly definition: string;
}

export type ParsedStatement =
  | ({
      readonly kind: 'table';
      readonly table: string;
      readonly columns: readonly ColumnDefinition[];
      readonly indexes: readonly IndexDefinition[];
    } & TableClauses)
  | { readonly kind: 'view'; readonly table: string }
  | { readonly kind: 'other'; readonly table: undefined };

/** Splits at top-level commas: outside parentheses, quotes and backquotes. */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The index just past the parenthesis that closes the one at `open`. */
function closing(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  throw new Error('unbalanced parentheses in a DDL statement');
}

/** The first identifier of `text` (backquoted or bare) and what follows it. */
function leadingName(text: string): [string, string] {
  if (text.startsWith('`')) {
    const end = text.indexOf('`', 1);
    return [text.slice(1, end).replace(/``/g, '`'), text.slice(end + 1).trim()];
  }
  const match = /^([A-Za-z_][A-Za-z0-9_.]*)\s*([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`cannot read a column name in "${text.slice(0, 60)}"`);
  return [match[1]!, match[2]!];
}

const COLUMN_CLAUSE = /\s+(DEFAULT|MATERIALIZED|ALIAS|EPHEMERAL|COMMENT|CODEC|TTL)\b/;

function parseColumn(item: string): ColumnDefinition {
  const [name, rest] = leadingName(item);
  const nestedMatch = /^Nested\s*\(/.exec(rest);
  if (nestedMatch) {
    const open = rest.indexOf('(');
    const inner = rest.slice(open + 1, closing(rest, open) - 1);
    const nested = splitTopLevel(inner).map((sub) => `${name}.${leadingName(sub)[0]}`);
    return { name, definition: item, type: rest.slice(0, closing(rest, open)), nested };
  }
  const clause = COLUMN_CLAUSE.exec(rest);
  return { name, definition: item, type: (clause ? rest.slice(0, clause.index) : rest).trim() };
}

function tableName(qualified: string): string {
  const last = qualified.split('.').pop() ?? qualified;
  return last.replace(/^`|`$/g, '');
}

export function parseStatement(statement: string): ParsedStatement {
  const text = statement.trim();
  const view = /^CREATE\s+MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS\s+(\S+)/i.exec(text);
  if (view) return { kind: 'view', table: tableName(view[1]!) };
  const table = /^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\S+)/i.exec(text);
  if (!table) return { kind: 'other', table: undefined };
  const open = text.indexOf('(', table[0].length);
  const end = closing(text, open);
  const columns: ColumnDefinition[] = [];
  const indexes: IndexDefinition[] = [];
  for (const item of splitTopLevel(text.slice(open + 1, end - 1))) {
    const index = /^INDEX\s+([\s\S]*)$/i.exec(item);
    if (index) indexes.push({ name: leadingName(index[1]!)[0], definition: index[1]!.trim() });
    else columns.push(parseColumn(item));
  }
  return { kind: 'table', table: tableName(table[1]!), columns, indexes, ...tableClauses(text.slice(end)) };
}

export interface TableClauses {
  /** The TTL expression without the keyword, or undefined. */
  readonly ttl: string | undefined;
  /** ORDER BY expression, or undefined. */
  readonly orderBy: string | undefined;
  /** Settings of the SETTINGS clause, name → value as written. */
  readonly settings: ReadonlyMap<string, string>;
}

/** The clauses after a CREATE TABLE's definition list (ENGINE … ORDER BY … TTL … SETTINGS …). */
function tableClauses(tail: string): TableClauses {
  const ttl = /\bTTL\s+([\s\S]*?)\s*(?:\bSETTINGS\b|$)/.exec(tail)?.[1]?.trim();
  const orderBy = /\bORDER\s+BY\s+([\s\S]*?)\s*(?:\bTTL\b|\bSETTINGS\b|\bSAMPLE\b|$)/.exec(tail)?.[1]?.trim();
  const settings = new Map<string, string>();
  for (const part of splitTopLevel(/\bSETTINGS\s+([\s\S]*)$/.exec(tail)?.[1] ?? '')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (name && value !== undefined) settings.set(name, value);
  }
  return { ttl: ttl || undefined, orderBy: orderBy || undefined, settings };
}

/** The TTL, ORDER BY and settings of a live table's `create_table_query`. */
export function parseLiveCreate(createQuery: string): TableClauses {
  const open = createQuery.indexOf('(');
  return tableClauses(open >= 0 ? createQuery.slice(closing(createQuery, open)) : createQuery);
}
