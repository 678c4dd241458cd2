/**
 * RowBinary vs JSONEachRow for the writer's inserts, same 100k trace rows, same local ClickHouse:
 * wall time and the writer-side CPU (encoding + HTTP). Run: npm run bench:formats
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ClickHouseClient, createClickHouse } from '../core/clickhouse.js';
import { fromRoot } from '../core/paths.js';
import { startClickHouse } from '../deploy/local/clickhouse/process.js';
import { migrate } from '../schemas/migrate.js';
import { generateTraces } from '../test/fixtures/generate.js';
import type { Row } from '../writer/decode/index.js';
import { decodeRecord } from '../writer/decode/index.js';
import { SchemaCache, type TableShape, encodeRows } from '../writer/schema.js';

const BATCHES = 5;
const ROWS_PER_BATCH = 20_000;

function nsText(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

function toJson(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint') out[k] = k === 'Timestamp' ? nsText(v) : v.toString();
    else if (k.endsWith('Attributes') && Array.isArray(v))
      out[k] =
        k.startsWith('Events.') || k.startsWith('Links.')
          ? (v as [string, string][][]).map((m) => Object.fromEntries(m))
          : Object.fromEntries(v as [string, string][]);
    else if (k === 'Events.Timestamp') out[k] = (v as bigint[]).map(nsText);
    else out[k] = v;
  }
  return out;
}

/** A plain `INSERT ... FORMAT RowBinary` of `rows` carrying a dedup token (encoding included in the timing). */
async function insertRowBinary(
  client: ClickHouseClient,
  database: string,
  shape: TableShape,
  rows: readonly Row[],
  token: string,
): Promise<void> {
  const columns = shape.columns.map((c) => `\`${c.name}\``).join(', ');
  const result = await client.exec({
    query: `INSERT INTO \`${database}\`.\`${shape.table}\` (${columns}) FORMAT RowBinary`,
    values: Readable.from([encodeRows(shape, rows)]),
    clickhouse_settings: { insert_deduplication_token: token, async_insert: 0, wait_end_of_query: 1 },
  });
  for await (const _chunk of result.stream) {
    // drain, so the connection returns to the pool
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-formats-'));
  const ch = await startClickHouse({ dataDir: dir, port: 0 });
  const client = createClickHouse({ url: ch.url, user: 'default', password: '', database: 'default' });
  try {
    await migrate(client, { database: 'fmt', ttlDays: 0, cluster: '', dedupWindow: 1000 });
    const batches: Row[][] = [];
    for (let b = 0; b < BATCHES; b++) {
      const rows: Row[] = [];
      for (let r = 0; rows.length < ROWS_PER_BATCH; r++)
        rows.push(
          ...decodeRecord(
            'traces',
            generateTraces({
              seed: b * 100 + r + 1,
              resources: 1,
              scopesPerResource: 1,
              itemsPerScope: 1000,
            }),
          ).get('otel_traces')!,
        );
      batches.push(rows.slice(0, ROWS_PER_BATCH));
    }
    const shape = await new SchemaCache(client, 'fmt').get(
      'otel_traces',
      new Set(Object.keys(batches[0]![0]!)),
    );
    const results: Record<string, unknown> = {
      date: new Date().toISOString(),
      rows: BATCHES * ROWS_PER_BATCH,
      batchRows: ROWS_PER_BATCH,
    };
    for (const format of ['RowBinary', 'JSONEachRow', 'RowBinary', 'JSONEachRow'] as const) {
      await client.command({ query: 'TRUNCATE TABLE fmt.otel_traces' });
      const cpu = process.cpuUsage();
      const start = Date.now();
      for (const [i, rows] of batches.entries()) {
        if (format === 'RowBinary') await insertRowBinary(client, 'fmt', shape, rows, `fmt-rb-${start}-${i}`);
        else
          await client.insert({
            table: 'fmt.otel_traces',
            values: rows.map(toJson),
            format: 'JSONEachRow',
            clickhouse_settings: {
              insert_deduplication_token: `fmt-js-${start}-${i}`,
              date_time_input_format: 'best_effort',
            },
          });
      }
      const seconds = (Date.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      const count = Number(
        (
          await (
            await client.query({ query: 'SELECT count() AS n FROM fmt.otel_traces', format: 'JSONEachRow' })
          ).json<{ n: string }>()
        )[0]!.n,
      );
      const figure = {
        rowsPerSecond: Math.round(count / seconds),
        writerCpuSecondsPerMillionRows: Number((((used.user + used.system) / 1e6 / count) * 1e6).toFixed(2)),
        count,
      };
      results[format] = figure; // the second run of each (warm) is the one kept
      process.stderr.write(`${format}: ${JSON.stringify(figure)}\n`);
    }
    mkdirSync(fromRoot('bench', 'results'), { recursive: true });
    const file = fromRoot('bench', 'results', `${new Date().toISOString().slice(0, 10)}-insert-formats.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(JSON.stringify(results, null, 2) + `\nwritten to ${file}\n`);
  } finally {
    await client.close();
    await ch.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
