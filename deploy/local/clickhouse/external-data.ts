/**
 * ClickHouse's "external data for query processing" over HTTP: the file parts of a
 * multipart/form-data body (multipart-form.ts) are temporary tables the query can read
 * (`<name>_structure` and `<name>_format` come as URL parameters or form fields). The writer's
 * fenced inserts use it (writer/insert.ts). Here each part is written to a file, loaded by the
 * server into a Memory table, and the table name in the query becomes that table: chdb has no
 * temporary tables of an HTTP session, and the whole body has arrived before the query runs, as on
 * a server.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from './engine.js';
import { SqlLexError, tokenize } from './sql-tokens.js';

export interface ExternalTable {
  readonly name: string;
  readonly file: string;
}

/**
 * The database the server loads external data into, one Memory table per part and request. It is
 * server-owned: created empty at start, its tables exist only while their request runs (the engine
 * runs one request at a time, so no other request sees them).
 */
export const EXTERNAL_DATABASE = '_tributary_external';

const literal = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const identifier = (s: string): string => '`' + s.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';

/** Statements the server runs at start so EXTERNAL_DATABASE exists and holds nothing stale. */
export const EXTERNAL_DATABASE_SETUP: readonly string[] = [
  `DROP DATABASE IF EXISTS ${identifier(EXTERNAL_DATABASE)} SYNC`,
  `CREATE DATABASE ${identifier(EXTERNAL_DATABASE)}`,
];

export interface BoundExternalTables {
  /** The client's statement with each external table name replaced by its Memory table. */
  readonly sql: string;
  /** Server statements run before `sql`: create each Memory table and load its file into it. */
  readonly before: string[];
  /** Server statements run after `sql`, whatever happened: drop the Memory tables. */
  readonly after: string[];
  readonly files: string[];
}

/**
 * A `<name>_structure` is pasted into the server's CREATE TABLE: it must stay inside the column
 * list's parentheses (balanced, one statement). What it may contain (DEFAULT expressions) is then
 * checked by the statement policy on the whole CREATE (`checkServerSql`).
 */
function checkStructure(name: string, structure: string): void {
  let tokens;
  try {
    tokens = tokenize(structure);
  } catch (err) {
    throw new EngineError(
      `bad ${name}_structure: ${err instanceof SqlLexError ? err.message : String(err)}`,
      62,
      'SYNTAX_ERROR',
    );
  }
  let depth = 0;
  for (const token of tokens) {
    if (token.kind !== 'punct') continue;
    if (token.value === ';') depth = -1;
    else if (token.value === '(') depth++;
    else if (token.value === ')') depth--;
    if (depth < 0) break;
  }
  if (tokens.length === 0 || depth !== 0)
    throw new EngineError(`bad ${name}_structure: not a column list`, 62, 'SYNTAX_ERROR');
}

/**
 * Writes each part to a file under `dir` and plans its load: the server (never the client's SQL)
 * creates a Memory table of the part's structure, fills it with `INSERT … FROM INFILE`, and the
 * part's table name in `sql` becomes that table. The engine user has no FILE grant, so a `file()`
 * read of the upload would be refused like any client's; FROM INFILE needs none, and the statement
 * policy refuses it in client SQL. `checkServerSql` (the statement policy) sees each CREATE, since
 * the structure in it comes from the client. Consumes the `<name>_structure` / `<name>_format`
 * settings.
 */
export function bindExternalTables(
  sql: string,
  parts: readonly { name: string; data: Buffer }[],
  settings: Record<string, string>,
  dir: string,
  id: string,
  checkServerSql: (sql: string) => void,
): BoundExternalTables {
  const bound: BoundExternalTables = { sql, before: [], after: [], files: [] };
  let rewritten = sql;
  for (const part of parts) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(part.name))
      throw new EngineError(`bad external table name ${part.name}`, 36, 'BAD_ARGUMENTS');
    const structureKey = `${part.name}_structure`;
    const formatKey = `${part.name}_format`;
    const structure = settings[structureKey];
    const format = settings[formatKey] ?? 'TabSeparated';
    // Parameters of the external table, not engine settings.
    Reflect.deleteProperty(settings, structureKey);
    Reflect.deleteProperty(settings, formatKey);
    if (!structure)
      throw new EngineError(`external table ${part.name} needs ${part.name}_structure`, 36, 'BAD_ARGUMENTS');
    // A server reads an external table in chunks of max_block_size rows and stores them unsquashed
    // (ExternalTable.cpp, BaseExternalTable::getData).
    const chunkRows = Number(settings['max_block_size'] ?? DEFAULT_MAX_BLOCK_SIZE);
    const table = loadIntoMemory(bound, {
      name: part.name,
      structure,
      format,
      data: part.data,
      chunkRows,
      dir,
      id,
      checkServerSql,
    });
    rewritten = rewritten.replace(new RegExp(`\\bFROM\\s+${part.name}\\b`, 'g'), `FROM ${table}`);
  }
  return { ...bound, sql: rewritten };
}

/** A server's defaults for the chunk sizes of client data (Settings.cpp). */
export const DEFAULT_MAX_BLOCK_SIZE = 65_409;
export const DEFAULT_MAX_INSERT_BLOCK_SIZE = 1_048_449;

export interface ClientData {
  readonly name: string;
  readonly structure: string;
  readonly format: string;
  readonly data: Buffer;
  /** Rows per chunk the server's parser makes of this data (each chunk one block, unsquashed). */
  readonly chunkRows: number;
  readonly dir: string;
  readonly id: string;
  readonly checkServerSql: (sql: string) => void;
}

/**
 * Plans the load of one piece of client data into a server-owned Memory table (see
 * bindExternalTables): written to a file, created with the client's structure (checked), filled by
 * `INSERT … FROM INFILE` in chunks of `chunkRows` rows kept as they are (no squashing: the statement
 * reading the table sees the blocks a server's parser would hand it), dropped afterwards. Returns
 * the table's name for the client's statement.
 */
export function loadIntoMemory(bound: Omit<BoundExternalTables, 'sql'>, data: ClientData): string {
  const { name, structure, format } = data;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(format))
    throw new EngineError(`bad ${name}_format ${format}`, 73, 'UNKNOWN_FORMAT');
  if (!Number.isSafeInteger(data.chunkRows) || data.chunkRows < 1)
    throw new EngineError(`bad block size ${data.chunkRows}`, 36, 'BAD_ARGUMENTS');
  checkStructure(name, structure);
  const table = `${identifier(EXTERNAL_DATABASE)}.${identifier(`${data.id}-${name}`)}`;
  const create = `CREATE TABLE ${table} (${structure}) ENGINE = Memory`;
  data.checkServerSql(create);
  const file = join(data.dir, `${data.id}-${name}.data`);
  writeFileSync(file, data.data);
  bound.files.push(file);
  bound.before.push(
    create,
    `INSERT INTO ${table} FROM INFILE ${literal(file)} SETTINGS max_insert_block_size = ${data.chunkRows}, ` +
      `min_insert_block_size_rows = 0, min_insert_block_size_bytes = 0 FORMAT ${format}`,
  );
  bound.after.push(`DROP TABLE IF EXISTS ${table} SYNC`);
  return table;
}
