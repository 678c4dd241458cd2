/**
 * The one module that imports the ClickHouse client library (@clickhouse/client, HTTP interface).
 * Every mode (local chdb server, clickhouse-server, ClickHouse Cloud) goes through this.
 */
import { readFileSync } from 'node:fs';
import {
  ClickHouseLogLevel,
  type ClickHouseClient,
  type ErrorLogParams,
  type LogParams,
  type Logger as ClientLogger,
  type WarnLogParams,
  createClient,
} from '@clickhouse/client';
import type { Config } from './config/options.js';
import { TributaryError } from './errors.js';
import { createLogger, logLevel } from './log.js';

export type { ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseOptions {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** Default database of the connection; statements may still name others. */
  readonly database: string;
  readonly requestTimeoutMs?: number;
  /** For https:// URLs with a private CA and/or a client certificate. */
  readonly tls?: { readonly caCert: Buffer; readonly cert?: Buffer; readonly key?: Buffer } | undefined;
}

/** ClickHouse TLS files of a configuration, read now so a bad path fails at start. */
export function clickhouseTls(config: Config): ClickHouseOptions['tls'] {
  const read = (key: 'clickhouse.tlsCaFile' | 'clickhouse.tlsCertFile' | 'clickhouse.tlsKeyFile'): Buffer => {
    try {
      return readFileSync(config[key]);
    } catch (err) {
      throw new TributaryError(
        'CONFIG_INVALID',
        `config ${key}: cannot read ${config[key]}: ${(err as Error).message}`,
      );
    }
  };
  if (!config['clickhouse.tlsCaFile']) {
    if (config['clickhouse.tlsCertFile'] || config['clickhouse.tlsKeyFile'])
      throw new TributaryError(
        'CONFIG_INVALID',
        'config clickhouse.tlsCertFile: a client certificate needs clickhouse.tlsCaFile (the CA of the server) too',
      );
    return undefined;
  }
  if (Boolean(config['clickhouse.tlsCertFile']) !== Boolean(config['clickhouse.tlsKeyFile']))
    throw new TributaryError(
      'CONFIG_INVALID',
      'config clickhouse.tlsCertFile: needs clickhouse.tlsKeyFile too (and the other way round)',
    );
  return {
    caCert: read('clickhouse.tlsCaFile'),
    ...(config['clickhouse.tlsCertFile']
      ? { cert: read('clickhouse.tlsCertFile'), key: read('clickhouse.tlsKeyFile') }
      : {}),
  };
}

/**
 * The client library's own log, as one line per event in ours. Its errors go to debug: every failed
 * request also rejects its promise, and the caller (retry, DLQ, exit) logs it once with context;
 * printing the library's multi-line dump as well made a single outage look like many.
 */
class ClientLog implements ClientLogger {
  private readonly log = createLogger({ component: 'clickhouse-client' });
  trace(p: LogParams): void {
    this.log.debug(p.message, { module: p.module, ...p.args });
  }
  debug(p: LogParams): void {
    this.log.debug(p.message, { module: p.module, ...p.args });
  }
  info(p: LogParams): void {
    this.log.debug(p.message, { module: p.module, ...p.args });
  }
  warn(p: WarnLogParams): void {
    this.log.warn(p.message, { module: p.module, ...p.args, ...(p.err ? { err: p.err } : {}) });
  }
  error(p: ErrorLogParams): void {
    this.log.debug(p.message, { module: p.module, err: p.err });
  }
}

export function createClickHouse(options: ClickHouseOptions): ClickHouseClient {
  return createClient({
    log: {
      LoggerClass: ClientLog,
      level: logLevel() === 'debug' ? ClickHouseLogLevel.DEBUG : ClickHouseLogLevel.WARN,
    },
    url: options.url,
    username: options.user,
    password: options.password,
    database: options.database,
    request_timeout: options.requestTimeoutMs ?? 60_000,
    ...(options.tls
      ? {
          tls:
            options.tls.cert && options.tls.key
              ? { ca_cert: options.tls.caCert, cert: options.tls.cert, key: options.tls.key }
              : { ca_cert: options.tls.caCert },
        }
      : {}),
    // Keep the server from buffering inserts behind our back: an answer means the rows are in.
    clickhouse_settings: { async_insert: 0, wait_end_of_query: 1 },
  });
}

/** A client for the configured ClickHouse (`clickhouse.*` keys); `url`/`database` override for dev and migrate. */
export function clickhouseFromConfig(
  config: Config,
  overrides: { readonly url?: string; readonly database?: string } = {},
): ClickHouseClient {
  return createClickHouse({
    url: overrides.url ?? config['clickhouse.url'],
    user: config['clickhouse.user'],
    password: config['clickhouse.password'],
    database: overrides.database ?? config['clickhouse.database'],
    tls: clickhouseTls(config),
  });
}

/** The rows of a SELECT, one object per row (JSONEachRow), with `{name:Type}` parameters bound. */
export async function queryRows<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}
