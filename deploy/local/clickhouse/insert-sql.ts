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
