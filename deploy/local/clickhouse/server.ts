/**
 * The ClickHouse HTTP interface in front of the chdb engine: enough of it for @clickhouse/client,
 * curl and query tools. Each request's URL settings apply to that request only (see engine.ts).
 * Every request passes the request guard (Host, Origin) first, and the client's SQL passes the
 * statement policy before the server adds its own FROM INFILE for binary inserts and external data.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../../../core/log.js';
import type { ClickStackUi } from './clickstack-ui.js';
import { type Engine, EngineError } from './engine.js';
import { DEFAULT_MAX_INSERT_BLOCK_SIZE, bindExternalTables, loadIntoMemory } from './external-data.js';
import {
  INPUT_PLACEHOLDER,
  fromInfile,
  parseInputInsert,
  parseInsert,
  splitInsertBody,
} from './insert-sql.js';
import { addFormFields, multipartBoundary, parseMultipartForm } from './multipart-form.js';
import { clientProtocolVersion, frameResult, refuseBlockCompression, resultFormat } from './native-output.js';
import { readRequestBody } from './request-body.js';
import type { GuardVerdict } from './request-guard.js';
import type { SqlPolicy } from './sql-policy.js';

export interface ServerOptions {
  readonly engine: Engine;
  readonly tmpDir: string;
  readonly user: string;
  readonly password: string;
  readonly maxBodyBytes: number;
  readonly log: Logger;
  /** Decides from the headers whether this client may talk to the server at all. */
  readonly guard: (headers: IncomingMessage['headers']) => GuardVerdict;
  readonly policy: SqlPolicy;
  /** The ClickStack UI's files (/clickstack, /__ENV.js, /favicons), when the engine has them. */
  readonly ui?: ClickStackUi;
}

/** URL parameters that are part of the HTTP protocol, not engine settings. */
const PROTOCOL_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'compress',
  'decompress',
  'quota_key',
  'role',
  // The revision Native results are written at (native-output.ts); clickhouse-go always sends it.
  'client_protocol_version',
]);
/** Settings of the HTTP layer itself; chdb has no use for them. */
const HTTP_ONLY_SETTINGS = new Set([
  'enable_http_compression',
  'http_zlib_compression_level',
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'add_http_cors_header',
  'buffer_size',
  'http_response_buffer_size',
  'cancel_http_readonly_queries_on_client_close',
  'http_native_compression_disable_checksumming_on_decompress',
]);

const VERSION = '26.7 (tributary local, chdb)';

function httpStatusFor(code: number): number {
  if (code === 516) return 401;
  if (code === 497 || code === 164) return 403;
  if (code === 60 || code === 81) return 404;
  if ([62, 46, 47, 16, 27, 41, 6, 53, 115, 36, 43, 44, 26, 33, 117, 72, 69].includes(code)) return 400;
  if (code === 202) return 503;
  return 500;
}

function contentTypeFor(format: string): string {
  if (/^JSON(EachRow|CompactEachRow|StringsEachRow|Lines)/i.test(format))
    return 'application/x-ndjson; charset=UTF-8';
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(CSV|TSV|TabSeparated|Pretty|Values|Markdown|Vertical)/i.test(format))
    return 'text/plain; charset=UTF-8';
  return 'application/octet-stream';
}

function credentials(req: IncomingMessage, url: URL): { user: string; password: string } {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return {
      user: decoded.slice(0, colon < 0 ? undefined : colon),
      password: colon < 0 ? '' : decoded.slice(colon + 1),
    };
  }
  const user =
    (req.headers['x-clickhouse-user'] as string | undefined) ?? url.searchParams.get('user') ?? 'default';
  const password =
    (req.headers['x-clickhouse-key'] as string | undefined) ?? url.searchParams.get('password') ?? '';
  return { user, password };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createClickHouseHttpServer(options: ServerOptions): Server {
  const { engine, log } = options;
  mkdirSync(options.tmpDir, { recursive: true });

  const sendError = (res: ServerResponse, err: EngineError, queryId: string): void => {
    const text = err.message.startsWith('Code:')
      ? err.message
      : `Code: ${err.code}. DB::Exception: ${err.message}. (${err.type}) (version ${VERSION})`;
    res.writeHead(httpStatusFor(err.code), {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(err.code),
      'X-ClickHouse-Query-Id': queryId,
    });
    res.end(text + '\n');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    const verdict = options.guard(req.headers);
    if (!verdict.ok) {
      sendError(res, new EngineError(verdict.message, 497, 'ACCESS_DENIED'), queryId);
      return;
    }
    if (verdict.corsOrigin) {
      res.setHeader('Access-Control-Allow-Origin', verdict.corsOrigin);
      res.setHeader('Vary', 'Origin');
      res.setHeader(
        'Access-Control-Expose-Headers',
        'X-ClickHouse-Query-Id, X-ClickHouse-Summary, X-ClickHouse-Format, X-ClickHouse-Exception-Code',
      );
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(verdict.corsOrigin ? 204 : 405, {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers':
          req.headers['access-control-request-headers'] ??
          'authorization, content-type, x-clickhouse-user, x-clickhouse-key, x-clickhouse-format',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (
      (url.pathname === '/ping' || url.pathname === '/') &&
      !url.searchParams.has('query') &&
      req.method !== 'POST'
    ) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
      res.end('Ok.\n');
      return;
    }
    if (options.ui?.owns(url.pathname) && (req.method === 'GET' || req.method === 'HEAD')) {
      await options.ui.serve(req, res, url.pathname);
      return;
    }
    if (url.pathname !== '/') {
      sendError(res, new EngineError(`There is no handle ${url.pathname}`, 1003, 'NOT_FOUND'), queryId);
      return;
    }
    const who = credentials(req, url);
    if (who.user !== options.user || !sameSecret(who.password, options.password)) {
      sendError(
        res,
        new EngineError(
          `${who.user}: Authentication failed: password is incorrect, or there is no user with such name`,
          516,
          'AUTHENTICATION_FAILED',
        ),
        queryId,
      );
      return;
    }

    const settings: Record<string, string> = {};
    const params: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      if (name.startsWith('param_')) params[name.slice(6)] = value;
      else if (!PROTOCOL_PARAMS.has(name) && !HTTP_ONLY_SETTINGS.has(name)) settings[name] = value;
    }
    options.policy.checkSettingNames(Object.keys(settings));
    const nativeRevision = clientProtocolVersion(url.searchParams);
    refuseBlockCompression(url.searchParams);
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    const queryParam = url.searchParams.get('query') ?? '';
    // A GET is refused before anything runs; a POST's statement is checked once its body is in.
    if (readOnly) options.policy.checkStatement(queryParam, { readOnly });
    const boundary = multipartBoundary(req.headers['content-type']);
    const body =
      req.method === 'POST'
        ? await readRequestBody(req, {
            limit: options.maxBodyBytes,
            multipart: boundary !== undefined,
            params: url.searchParams,
          })
        : Buffer.alloc(0);

    let sql: string;
    let dataFile: string | undefined;
    let externalFiles: string[] = [];
    let before: string[] = [];
    let after: string[] = [];
    const loadId = `${queryId.replace(/[^A-Za-z0-9_-]/g, '_')}-${randomUUID()}`;
    const input = queryParam && !boundary && !readOnly ? parseInputInsert(queryParam) : undefined;
    const insert = queryParam && !boundary && !input ? parseInsert(queryParam) : undefined;
    const bodyInsert = !queryParam && !boundary ? splitInsertBody(body) : undefined;
    if (boundary) {
      // Form fields join the URL parameters (query, param_*, settings); file parts are tables.
      const form = parseMultipartForm(body, boundary);
      const formQuery = addFormFields(form.fields, queryParam, {
        url: url.searchParams,
        settings,
        params,
        isSetting: (name) => !PROTOCOL_PARAMS.has(name) && !HTTP_ONLY_SETTINGS.has(name),
      });
      options.policy.checkSettingNames(Object.keys(settings));
      // The client's statement is checked before the server puts its own tables in.
      options.policy.checkStatement(formQuery, { readOnly });
      const bound = bindExternalTables(formQuery, form.files, settings, options.tmpDir, loadId, (serverSql) =>
        options.policy.checkStatement(serverSql, { readOnly: false }),
      );
      sql = bound.sql;
      externalFiles = bound.files;
      before = bound.before;
      after = bound.after;
    } else if (input) {
      // INSERT … SELECT … FROM input(…): the body is the data. The server loads it, under the
      // request's settings (as a server reads input() after applying them), into a Memory table
      // the statement then reads in place of input().
      options.policy.checkStatement(queryParam, { readOnly });
      const bound = { before, after, files: externalFiles };
      const table = loadIntoMemory(bound, {
        name: 'input',
        structure: input.structure,
        format: input.format,
        data: body,
        // input() parses the body in chunks of max_insert_block_size rows (getInputFormatFromASTInsertQuery).
        chunkRows: Number(settings['max_insert_block_size'] ?? DEFAULT_MAX_INSERT_BLOCK_SIZE),
        dir: options.tmpDir,
        id: loadId,
        checkServerSql: (serverSql) => options.policy.checkStatement(serverSql, { readOnly: false }),
      });
      sql = input.sql.replace(INPUT_PLACEHOLDER, table);
    } else if (insert || bodyInsert) {
      const target = insert ?? parseInsert(bodyInsert!.sql);
      if (!target) throw new EngineError('Cannot parse the INSERT statement', 62, 'SYNTAX_ERROR');
      const data = insert ? body : bodyInsert!.data;
      options.policy.checkStatement(insert ? queryParam : bodyInsert!.sql, { readOnly });
      // The Values format evaluates expressions in its data: the data is SQL to the policy.
      if (/^values$/i.test(target.format)) options.policy.checkValuesData(data.toString('utf8'));
      dataFile = join(options.tmpDir, `${queryId.replace(/[^A-Za-z0-9_-]/g, '_')}-${randomUUID()}.data`);
      writeFileSync(dataFile, data);
      sql = fromInfile(target, dataFile);
    } else {
      sql =
        queryParam && body.length > 0
          ? `${queryParam}\n${body.toString('utf8')}`
          : queryParam || body.toString('utf8');
      if (sql.trim() === '') throw new EngineError('Empty query', 62, 'SYNTAX_ERROR');
      options.policy.checkStatement(sql, { readOnly });
    }

    const defaultFormat = url.searchParams.get('default_format') ?? 'TabSeparated';
    const format = resultFormat(sql, defaultFormat);
    const started = process.hrtime.bigint();
    try {
      const result = await engine.run({
        sql,
        format: defaultFormat,
        database: url.searchParams.get('database') ?? 'default',
        settings,
        params,
        before,
        after,
      });
      const body = frameResult(result.body, format, nativeRevision);
      const elapsedNs = process.hrtime.bigint() - started;
      const summary = {
        read_rows: String(result.rowsRead),
        read_bytes: String(result.bytesRead),
        written_rows: '0',
        written_bytes: '0',
        total_rows_to_read: String(result.rowsRead),
        result_rows: '0',
        result_bytes: String(body.length),
        elapsed_ns: String(elapsedNs),
      };
      const headers: Record<string, string> = {
        'Content-Type': contentTypeFor(format),
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Format': format,
        'X-ClickHouse-Summary': JSON.stringify(summary),
        'X-ClickHouse-Server-Display-Name': 'tributary-local',
      };
      const wantsGzip =
        url.searchParams.get('enable_http_compression') === '1' &&
        /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      let payload: Uint8Array = body;
      if (wantsGzip) {
        payload = gzipSync(body);
        headers['Content-Encoding'] = 'gzip';
      }
      res.writeHead(200, headers);
      res.end(payload);
    } finally {
      if (dataFile) rmSync(dataFile, { force: true });
      for (const file of externalFiles) rmSync(file, { force: true });
    }
  };

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const engineError =
        err instanceof EngineError
          ? err
          : new EngineError(err instanceof Error ? err.message : String(err), 1001, 'STD_EXCEPTION');
      if (engineError.code >= 1001) log.warn('request failed', { err: engineError });
      if (!res.headersSent) sendError(res, engineError, 'unknown');
      else res.destroy();
    });
  });
}
