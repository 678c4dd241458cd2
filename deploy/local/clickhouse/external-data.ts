/**
 * ClickHouse's "external data for query processing" over HTTP: a multipart/form-data body whose
 * parts are temporary tables the query can read (`<name>_structure` and `<name>_format` come as URL
 * parameters). The writer's fenced inserts use it (writer/insert.ts). Here each part is written to
 * a file and the table name in the query becomes a `file(...)` read of it: chdb has no temporary
 * tables of an HTTP session, and the whole body has arrived before the query runs, as on a server.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from './engine.js';

export interface ExternalTable {
  readonly name: string;
  readonly file: string;
}

/** The boundary of a multipart/form-data request, or undefined for other bodies. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new EngineError('multipart/form-data without a boundary', 33, 'CANNOT_READ_ALL_DATA');
  return boundary.trim();
}

/** The parts of a multipart body: each part's form name and its bytes. */
export function splitMultipart(body: Buffer, boundary: string): { name: string; data: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { name: string; data: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const afterDelimiter = at + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    if (headerEnd < 0) throw new EngineError('malformed multipart body', 33, 'CANNOT_READ_ALL_DATA');
    const headers = body.subarray(afterDelimiter, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new EngineError('multipart body ends inside a part', 33, 'CANNOT_READ_ALL_DATA');
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (!name) throw new EngineError('multipart part without a name', 33, 'CANNOT_READ_ALL_DATA');
    parts.push({ name, data: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}

const fileLiteral = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Writes each part to a file under `dir` and rewrites `sql` so the part's table name reads that
 * file. Consumes the `<name>_structure` / `<name>_format` settings.
 */
export function bindExternalTables(
  sql: string,
  parts: readonly { name: string; data: Buffer }[],
  settings: Record<string, string>,
  dir: string,
  id: string,
): { sql: string; files: string[] } {
  const files: string[] = [];
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
    const file = join(dir, `${id}-${part.name}.data`);
    writeFileSync(file, part.data);
    files.push(file);
    const source = `file(${fileLiteral(file)}, ${fileLiteral(format)}, ${fileLiteral(structure)})`;
    rewritten = rewritten.replace(new RegExp(`\\bFROM\\s+${part.name}\\b`, 'g'), `FROM ${source}`);
  }
  return { sql: rewritten, files };
}
