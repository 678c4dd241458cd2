/**
 * The chdb engine behind the local ClickHouse server. One session per process, hosted on the main
 * thread (chdb in a worker thread crashes the process on exit) and queried only through the async
 * API, so the HTTP event loop never waits for a query.
 *
 * Settings: chdb applies `SET` to the whole session, so a per-request setting would leak into every
 * later request (an insert_deduplication_token leaking would silently drop later inserts). Requests
 * therefore run one at a time: SET the request's settings, run, then restore every touched setting
 * to the server baseline before the next request starts.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TributaryError } from '../../../core/errors.js';
import { engineConfigXml } from './sandbox.js';

interface ChdbResult {
  readonly elapsed: number;
  readonly rowsRead: number;
  readonly bytesRead: number;
  bytes(): Uint8Array;
}
interface ChdbSession {
  queryAsync(query: string, opts?: { format?: string }): Promise<ChdbResult>;
  queryBindAsync(query: string, params: object, opts?: { format?: string }): Promise<ChdbResult>;
  close(): void;
}
type SessionConstructor = new (path: string, opts?: { connectionArgs?: string[] }) => ChdbSession;

/** Server-like defaults, so code that passes here passes against clickhouse-server (chdb-facts.md). */
export const BASELINE_SETTINGS: Readonly<Record<string, string>> = {
  date_time_input_format: 'basic',
  async_insert: '0',
  output_format_json_quote_64bit_integers: '1',
};

export interface EngineRequest {
  readonly sql: string;
  readonly format: string;
  readonly database: string;
  readonly settings: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  /**
   * The server's own statements around this request (loading external data and input() bodies),
   * run in the same turn so no other request runs between them: `before` after the request's
   * settings are applied and ahead of its statement, `after` once it is done, whatever happened.
   */
  readonly before?: readonly string[];
  readonly after?: readonly string[];
}

export interface EngineResult {
  readonly body: Uint8Array;
  readonly elapsedSeconds: number;
  readonly rowsRead: number;
  readonly bytesRead: number;
}

/** A ClickHouse exception as the engine reported it: code + text. */
export class EngineError extends Error {
  readonly code: number;
  readonly type: string;
  constructor(message: string, code: number, type: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.type = type;
  }
}

export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = /Code:\s*(\d+)/.exec(message)?.[1];
  const type = /\(([A-Z_]+)\)\s*(\(version[^)]*\))?\s*$/.exec(message.trim())?.[1];
  return new EngineError(message, code ? Number(code) : 1001, type ?? 'STD_EXCEPTION');
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export class Engine {
  private readonly session: ChdbSession;
  private chain: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private currentDatabase = 'default';
  private closed = false;

  private constructor(session: ChdbSession) {
    this.session = session;
  }

  /** Opens the data directory. Throws a clear error when another process holds it. */
  static async open(dataDir: string, options: { dedupWindow: number; maxPending: number }): Promise<Engine> {
    const require = createRequire(import.meta.url);
    let Session: SessionConstructor;
    try {
      ({ Session } = require('chdb') as { Session: SessionConstructor });
    } catch (err) {
      throw new TributaryError(
        'DEPENDENCY_MISSING',
        'the local ClickHouse needs the optional npm package chdb (npm ci installs it); or point TRIBUTARY_CLICKHOUSE_URL at a ClickHouse server',
        { cause: err },
      );
    }
    // MergeTree defaults and the sandboxed user are server configuration: give them as a file.
    const configFile = join(dataDir, 'tributary-local.xml');
    writeFileSync(configFile, engineConfigXml({ dedupWindow: options.dedupWindow, configPath: configFile }));
    let session: ChdbSession;
    try {
      session = new Session(dataDir, { connectionArgs: [`--config-file=${configFile}`] });
    } catch (err) {
      throw new TributaryError(
        'DEPENDENCY_MISSING',
        `cannot open the ClickHouse data directory ${dataDir}: another tributary clickhouse/dev probably uses it (stop it or choose another --clickhouse-data-dir). ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const engine = new Engine(session);
    engine.maxPending = options.maxPending;
    for (const [name, value] of Object.entries(BASELINE_SETTINGS))
      await session.queryAsync(`SET ${name} = ${quote(value)}`);
    return engine;
  }

  private maxPending = 1000;

  /** Queued requests; the HTTP layer answers 503 above the bound instead of queueing forever. */
  get queued(): number {
    return this.pending;
  }

  run(request: EngineRequest): Promise<EngineResult> {
    if (this.closed) return Promise.reject(new EngineError('the server is shutting down', 1002, 'ABORTED'));
    if (this.pending >= this.maxPending)
      return Promise.reject(
        new EngineError(`too many queued queries (${this.pending})`, 202, 'TOO_MANY_SIMULTANEOUS_QUERIES'),
      );
    this.pending++;
    const result = this.chain.then(() => this.execute(request));
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => {
      this.pending--;
    });
  }

  private async execute(request: EngineRequest): Promise<EngineResult> {
    const touched: string[] = [];
    try {
      if (request.database !== this.currentDatabase) {
        await this.session.queryAsync(`USE \`${request.database.replace(/`/g, '``')}\``);
        this.currentDatabase = request.database;
      }
      // A server applies the URL's settings before it reads the body (HTTPHandler::processQuery:
      // applySettingsChanges, then getQuery), so the data is loaded under them too (block sizes).
      await this.apply(request.settings, touched);
      for (const sql of request.before ?? []) await this.session.queryAsync(sql);
      const hasParams = Object.keys(request.params).length > 0;
      const result = hasParams
        ? await this.session.queryBindAsync(request.sql, request.params, { format: request.format })
        : await this.session.queryAsync(request.sql, { format: request.format });
      return {
        body: result.bytes(),
        elapsedSeconds: result.elapsed,
        rowsRead: result.rowsRead,
        bytesRead: result.bytesRead,
      };
    } catch (err) {
      throw toEngineError(err);
    } finally {
      await this.restore(touched);
      for (const sql of request.after ?? []) {
        try {
          await this.session.queryAsync(sql);
        } catch {
          // Clean-up of the server's own objects; a failure here must not hide the answer.
        }
      }
    }
  }

  /**
   * SETs the request's settings (each statement is a round trip into the engine: a fenced insert's
   * settings cost ~1.7 ms one by one, ~0.3 ms together). Every name is in `touched` before anything
   * runs, so restore covers a partial SET.
   */
  private async apply(settings: Readonly<Record<string, string>>, touched: string[]): Promise<void> {
    const entries = Object.entries(settings);
    for (const [name] of entries)
      if (!SETTING_NAME.test(name))
        throw new EngineError(`Setting name ${JSON.stringify(name)} is invalid`, 115, 'UNKNOWN_SETTING');
    touched.push(...entries.map(([name]) => name));
    await this.setAll(
      entries.map(([name, value]) => `${name} = ${quote(value)}`),
      'throw',
    );
  }

  private async restore(names: readonly string[]): Promise<void> {
    const reset = (name: string): string => {
      const baseline = BASELINE_SETTINGS[name];
      return baseline === undefined ? `${name} = DEFAULT` : `${name} = ${quote(baseline)}`;
    };
    // A setting that failed to SET was never applied: nothing to restore, the others still are.
    await this.setAll(names.map(reset), 'skip');
  }

  /**
   * Runs the assignments as one SET; when that fails (a setting unknown or refused), one by one, so
   * an error names the first bad one ('throw') or the bad ones are passed over ('skip').
   */
  private async setAll(assignments: readonly string[], onError: 'throw' | 'skip'): Promise<void> {
    if (assignments.length === 0) return;
    try {
      await this.session.queryAsync(`SET ${assignments.join(', ')}`);
      return;
    } catch {
      // Found below, one at a time.
    }
    for (const assignment of assignments) {
      try {
        await this.session.queryAsync(`SET ${assignment}`);
      } catch (err) {
        if (onError === 'throw') throw err;
      }
    }
  }

  /** Waits for queued requests, then closes the session. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    this.session.close();
  }
}
