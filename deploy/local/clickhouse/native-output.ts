/**
 * Native results as clickhouse-server's HTTP interface sends them: at the protocol revision the
 * client names in the `client_protocol_version` URL parameter (clickhouse-go always does). chdb
 * writes revision 0; native-blocks.ts re-frames. Inserts need nothing: clients send Native bodies
 * at revision 0 over HTTP (the server reads them so), which is what chdb reads.
 */
import { EngineError } from './engine.js';
import { reframeNative } from './native-blocks.js';
import { isKeyword, tokenize } from './sql-tokens.js';

/** The revision the client reads Native results at; 0 when it named none. */
export function clientProtocolVersion(params: URLSearchParams): number {
  const text = params.get('client_protocol_version');
  if (text === null || text === '') return 0;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new EngineError(
      `Invalid client_protocol_version ${JSON.stringify(text)}`,
      27,
      'CANNOT_PARSE_INPUT',
    );
  return value;
}

/** The format a statement's result comes in: its own FORMAT clause, else the request's default. */
export function resultFormat(sql: string, defaultFormat: string): string {
  let tokens;
  try {
    tokens = tokenize(sql);
  } catch {
    return defaultFormat;
  }
  let format = defaultFormat;
  for (let i = 0; i + 1 < tokens.length; i++) {
    const next = tokens[i + 1]!;
    if (tokens[i]!.depth === 0 && isKeyword(tokens[i], 'FORMAT') && next.kind !== 'punct')
      format = next.value;
  }
  return format;
}

/** The result body as this client reads it. */
export function frameResult(body: Uint8Array, format: string, revision: number): Uint8Array {
  if (revision === 0 || body.length === 0 || format.toLowerCase() !== 'native') return body;
  return reframeNative(body, 0, revision);
}

/**
 * `compress=1` asks for results in ClickHouse's own block compression (CityHash128 checksum +
 * LZ4/ZSTD per block), which the local server does not write (it reads such request bodies with
 * `decompress=1`, request-body.ts). Said plainly instead of an uncompressed answer the client would
 * misread.
 */
export function refuseBlockCompression(params: URLSearchParams): void {
  if (/^(1|true)$/i.test(params.get('compress') ?? ''))
    throw new EngineError(
      `the local ClickHouse server does not support compress=1 (results in ClickHouse's compressed block framing): use HTTP compression (enable_http_compression=1 with Accept-Encoding gzip) or none; for clickhouse-go and the Collector's clickhouseexporter set compress: none (DSN ?compress=none)`,
      1,
      'UNSUPPORTED_METHOD',
    );
}
