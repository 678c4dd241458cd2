/**
 * Recognises `INSERT ... FORMAT <name>` statements whose data travels in the HTTP body, so the
 * server can write that data to a file and run `INSERT ... FROM INFILE '<file>' FORMAT <name>`:
 * the only byte-exact way into chdb for binary formats (chdb-facts.md).
 */

export interface InsertWithData {
  /** The statement up to (not including) FORMAT, e.g. "INSERT INTO db.t (a, b)". */
  readonly head: string;
  readonly format: string;
}

const INSERT_WITH_FORMAT = /^\s*(INSERT\s+INTO\s[\s\S]*?)\s+FORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i;

/** For a query given without its data (URL parameter), the INSERT parts; undefined for other SQL. */
export function parseInsert(sql: string): InsertWithData | undefined {
  const match = INSERT_WITH_FORMAT.exec(sql);
  if (!match) return undefined;
  // FROM INFILE / SELECT / VALUES inserts carry their data in the SQL already.
  if (/\bFROM\s+INFILE\b|\bSELECT\b|\bVALUES\b/i.test(match[1]!)) return undefined;
  return { head: match[1]!, format: match[2]! };
}

/**
 * A body holding both the statement and the data ("INSERT INTO t FORMAT X\n<data>"): the statement
 * ends at the first line break after the format name.
 */
export function splitInsertBody(body: Buffer): { sql: string; data: Buffer } | undefined {
  const head = body.subarray(0, Math.min(body.length, 64 * 1024)).toString('latin1');
  const match = /^\s*INSERT\s+INTO\s[\s\S]*?\sFORMAT\s+[A-Za-z][A-Za-z0-9_]*[ \t]*\r?\n/i.exec(head);
  if (!match) return undefined;
  const end = match[0].length;
  return { sql: body.subarray(0, end).toString('utf8').trim(), data: body.subarray(end) };
}

export function fromInfile(insert: InsertWithData, path: string): string {
  return `${insert.head} FROM INFILE '${path.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' FORMAT ${insert.format}`;
}

/** An `INSERT … SELECT … FROM input('<structure>') … FORMAT <name>` whose data is the request body. */
export interface InputInsert {
  /** The statement without its FORMAT clause, `input(…)` replaced by INPUT_PLACEHOLDER. */
  readonly sql: string;
  readonly structure: string;
  readonly format: string;
}

export const INPUT_PLACEHOLDER = '\u0000input\u0000';

/** Reads a single-quoted SQL string starting at `start` (the quote): its value and the end index. */
function readString(sql: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  for (let i = start + 1; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === '\\') {
      const next = sql[i + 1];
      if (next === undefined) return undefined;
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      i++;
    } else if (c === "'") {
      if (sql[i + 1] === "'") {
        value += "'";
        i++;
      } else return { value, end: i + 1 };
    } else value += c;
  }
  return undefined;
}

/**
 * For a POST whose statement reads the body through `input()` (the writer's fenced inserts), the
 * parts the server needs to load the body first; undefined for any other statement. The statement
 * policy has already checked the client's SQL (input() takes a literal only).
 */
export function parseInputInsert(sql: string): InputInsert | undefined {
  if (!/^\s*INSERT\s+INTO\s/i.test(sql)) return undefined;
  const tail = /\s+FORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i.exec(sql);
  if (!tail) return undefined;
  const head = sql.slice(0, tail.index);
  const call = /\binput\s*\(\s*'/gi;
  const found = call.exec(head);
  if (!found) return undefined;
  const literalAt = found.index + found[0].length - 1;
  const text = readString(head, literalAt);
  if (!text) return undefined;
  const close = /^\s*\)/.exec(head.slice(text.end));
  if (!close || call.exec(head)) return undefined; // one input() call, with one literal argument
  return {
    sql: head.slice(0, found.index) + INPUT_PLACEHOLDER + head.slice(text.end + close[0].length),
    structure: text.value,
    format: tail[1]!,
  };
}
