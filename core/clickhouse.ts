/**
 * The one module that imports the ClickHouse client library (@clickhouse/client, HTTP interface).
 * Every mode (local chdb server, clickhouse-server, ClickHouse Cloud) goes through this.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';

export type { ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseOptions {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** Default database of the connection; statements may still name others. */
  readonly database: string;
  readonly requestTimeoutMs?: number;
}

export function createClickHouse(options: ClickHouseOptions): ClickHouseClient {
  return createClient({
    url: options.url,
    username: options.user,
    password: options.password,
    database: options.database,
    request_timeout: options.requestTimeoutMs ?? 60_000,
    // Keep the server from buffering inserts behind our back: an answer means the rows are in.
    clickhouse_settings: { async_insert: 0, wait_end_of_query: 1 },
  });
}
