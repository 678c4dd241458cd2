// STUB — to be implemented (spawns `tributary clickhouse` as a child process and waits for /ping).
export interface StartClickHouseOptions {
  readonly dataDir: string;
  /** 0 = pick a free port. */
  readonly port: number;
  readonly host?: string;
  readonly dedupWindow?: number;
}

export interface LocalClickHouse {
  /** e.g. http://127.0.0.1:8123 */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
  /** kill -9 (chaos tests) */
  kill(): Promise<void>;
}

export function startClickHouse(_options: StartClickHouseOptions): Promise<LocalClickHouse> {
  return Promise.reject(new Error('not implemented yet'));
}
