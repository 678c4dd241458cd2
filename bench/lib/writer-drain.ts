/**
 * One drain of the writer bench: a process writes the same rows into a fresh database while count()
 * is polled. Per drain: steady rows/s, rows per CPU-second of the writing process from its readiness,
 * peak RSS, and (through a counting proxy) the bytes it sent to ClickHouse per row.
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import type { CountingProxy } from './counting-proxy.js';
import { cpuSeconds, peakRssBytes, sleep } from './proc.js';

/** One drain of the records by one process. */
export interface Drain {
  readonly rows: number;
  readonly secondsIncludingStartup: number;
  readonly steadyRowsPerSecond: number;
  readonly rowsPerCpuSecond: number;
  readonly cpuSecondsPerMillionRows: number;
  readonly peakRssBytes: number;
  /** Bytes sent to ClickHouse from readiness to the last row, per row (NaN without a proxy). */
  readonly bytesSentPerRow: number;
  /** Bytes ClickHouse answered with, per row. */
  readonly bytesReceivedPerRow: number;
}

export interface RowCheck {
  readonly rows: number;
  readonly spanIds: number;
}

export async function rowCheck(client: ClickHouseClient, database: string): Promise<RowCheck> {
  const result = await client.query({
    query: `SELECT count() AS n, uniqExact(SpanId) AS ids FROM \`${database}\`.otel_traces`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string; ids: string }>();
  return { rows: Number(row?.n ?? 0), spanIds: Number(row?.ids ?? 0) };
}

export async function countRows(
  client: ClickHouseClient,
  database: string,
  table = 'otel_traces',
): Promise<number> {
  const result = await client.query({
    query: `SELECT count() AS n FROM \`${database}\`.${table}`,
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
}

/**
 * Polls count() until `expected` rows (or 5 minutes). CPU and bytes from readiness (now): start-up
 * excluded, the read-ahead before the first rows included. Steady: first rows seen → last; a run too
 * short for that (the first poll already saw most rows) falls back to the whole run including
 * start-up.
 */
export async function drain(
  client: ClickHouseClient,
  database: string,
  expected: number,
  spawned: number,
  pid: number,
  table = 'otel_traces',
  proxy?: CountingProxy,
): Promise<Drain> {
  const cpuAtReady = cpuSeconds(pid);
  const bytesAtReady = proxy?.counts();
  let firstSeen = 0;
  let firstRows = 0;
  let written = 0;
  while (written < expected && performance.now() - spawned < 300_000) {
    await sleep(100);
    written = await countRows(client, database, table);
    if (written > 0 && firstSeen === 0) {
      firstSeen = performance.now();
      firstRows = written;
    }
  }
  const done = performance.now();
  const cpu = cpuSeconds(pid);
  const bytes = proxy?.counts();
  const steady = written - firstRows >= written / 2;
  const perRow = (n: number | undefined, at: number | undefined): number =>
    n === undefined || at === undefined ? Number.NaN : (n - at) / written;
  return {
    rows: written,
    secondsIncludingStartup: (done - spawned) / 1000,
    steadyRowsPerSecond: steady
      ? (written - firstRows) / ((done - firstSeen) / 1000)
      : written / ((done - spawned) / 1000),
    rowsPerCpuSecond: written / (cpu - cpuAtReady),
    cpuSecondsPerMillionRows: (cpu / written) * 1e6,
    peakRssBytes: peakRssBytes(pid),
    bytesSentPerRow: perRow(bytes?.sent, bytesAtReady?.sent),
    bytesReceivedPerRow: perRow(bytes?.received, bytesAtReady?.received),
  };
}
