/** ClickHouse helpers for tests: a migrated database of its own, and queries. */
import { type ClickHouseClient, createClickHouse } from '../../core/clickhouse.js';
import { migrate } from '../../schemas/migrate.js';
import { createLogger, setLogLevel } from '../../core/log.js';
import { clickhouseUrl, uniqueName } from './env.js';

export function testClient(database = 'default'): ClickHouseClient {
  return createClickHouse({ url: clickhouseUrl(), user: 'default', password: '', database });
}

/** A new database with every tributary table; dropped by the returned cleanup. */
export async function freshDatabase(dedupWindow = 10_000): Promise<{
  database: string;
  client: ClickHouseClient;
  drop(): Promise<void>;
}> {
  const database = uniqueName('db');
  const client = testClient();
  setLogLevel('warn');
  await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow, log: createLogger() });
  return {
    database,
    client,
    async drop() {
      await client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
      await client.close();
    },
  };
}

export async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}

export async function count(client: ClickHouseClient, query: string): Promise<number> {
  const [row] = await rows<{ n: string }>(client, query);
  return Number(row?.n ?? 0);
}

/** Polls until `check` returns true or the timeout passes. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
