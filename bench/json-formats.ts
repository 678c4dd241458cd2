/**
 * How to send JSON attribute columns, measured: the same 100k log rows (test/fixtures/generate.ts:
 * 4 resource and 3 log attributes each) inserted on the local ClickHouse server
 *
 *   map:         into the Map layout (the baseline), RowBinary;
 *   json-text:   into the JSON layout, each JSON column as its JSON text, parsed by the server (what
 *                the writer sends: the server types the paths as it does for the exporter);
 *   json-binary: into the JSON layout, each JSON column in RowBinary's binary JSON encoding (typed
 *                paths: String, Int64, Float64, Bool), parsed by nobody.
 *
 * The rows are encoded before the clock starts: the figures are the server's insert time. Run:
 * npm run bench:json
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ClickHouseClient, createClickHouse } from '../core/clickhouse.js';
import { fromRoot } from '../core/paths.js';
import { startClickHouse } from '../deploy/local/clickhouse/process.js';
import { migrate } from '../schemas/migrate.js';
import { generateLogs } from '../test/fixtures/generate.js';
import { type Raw, typedEntries } from '../writer/decode/anyvalue.js';
import type { Row } from '../writer/decode/index.js';
import { decodeRecord } from '../writer/decode/index.js';
import { ByteWriter, type Encoder } from '../writer/rowbinary.js';
import { SchemaCache, type TableShape, encodeRows } from '../writer/schema.js';
import type { Attributes } from '../writer/decode/anyvalue.js';

const BATCHES = 5;
const ROWS_PER_BATCH = 20_000;
const ROUNDS = 3;

/** Binary JSON (RowBinary): path count, then each path and its Dynamic value (type code, value). */
function binaryJson(out: ByteWriter, value: unknown): void {
  const paths: [string, Raw][] = [];
  const walk = (prefix: string, entries: readonly (readonly [string, Raw])[]): void => {
    for (const [key, v] of entries) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array))
        walk(path, v.entries);
      else if (v !== null) paths.push([path, v]);
    }
  };
  walk('', typedEntries(value as Attributes) ?? []);
  out.varint(paths.length);
  for (const [path, v] of paths) {
    out.string(path);
    if (typeof v === 'bigint') {
      out.u8(0x0a);
      out.i64(v);
    } else if (typeof v === 'number') {
      out.u8(0x0e);
      out.f64(v);
    } else if (typeof v === 'boolean') {
      out.u8(0x2d);
      out.u8(v ? 1 : 0);
    } else {
      out.u8(0x15);
      out.string(typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
}

/** The writer's shape with its JSON columns sent in their own type, binary encoded. */
function binaryShape(shape: TableShape, tableTypes: Map<string, string>): TableShape {
  const encode: Encoder = binaryJson;
  return {
    table: shape.table,
    columns: shape.columns.map((c) =>
      tableTypes.get(c.name) === 'JSON' ? { name: c.name, type: 'JSON', encode } : c,
    ),
  };
}

async function insert(
  client: ClickHouseClient,
  database: string,
  shape: TableShape,
  body: Buffer,
  settings: Record<string, number> = {},
): Promise<void> {
  const columns = shape.columns.map((c) => `\`${c.name}\``).join(', ');
  const result = await client.exec({
    query: `INSERT INTO \`${database}\`.\`${shape.table}\` (${columns}) FORMAT RowBinary`,
    values: Readable.from([body]),
    clickhouse_settings: { async_insert: 0, wait_end_of_query: 1, ...settings },
  });
  for await (const _chunk of result.stream) {
    // drain, so the connection returns to the pool
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-json-formats-'));
  const ch = await startClickHouse({ dataDir: dir, port: 0 });
  const client = createClickHouse({ url: ch.url, user: 'default', password: '', database: 'default' });
  try {
    for (const [database, attributes] of [
      ['jmap', 'map'],
      ['jjson', 'json'],
    ] as const)
      await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 1000, attributes });
    const batches: Row[][] = [];
    for (let b = 0; b < BATCHES; b++) {
      const rows = decodeRecord(
        'logs',
        generateLogs({
          seed: b + 1,
          resources: 20,
          scopesPerResource: 1,
          itemsPerScope: ROWS_PER_BATCH / 20,
        }),
        { logProcessing: 'none' },
      ).get('otel_logs')!;
      batches.push(rows);
    }
    const provided = new Set(Object.keys(batches[0]![0]!));
    const mapShape = await new SchemaCache(client, 'jmap').get('otel_logs', provided);
    const textShape = await new SchemaCache(client, 'jjson').get('otel_logs', provided);
    const desc = await client.query({ query: 'DESCRIBE TABLE jjson.otel_logs', format: 'JSONEachRow' });
    const tableTypes = new Map(
      (await desc.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]),
    );
    const ways = {
      map: { database: 'jmap', shape: mapShape, settings: {} },
      'json-text': {
        database: 'jjson',
        shape: textShape,
        settings: { input_format_binary_read_json_as_string: 1 },
      },
      'json-binary': { database: 'jjson', shape: binaryShape(textShape, tableTypes), settings: {} },
    };
    const results: Record<string, unknown> = {
      date: new Date().toISOString(),
      rows: BATCHES * ROWS_PER_BATCH,
      batchRows: ROWS_PER_BATCH,
    };
    const seconds: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, way] of Object.entries(ways)) {
        const bodies = batches.map((rows) => Buffer.from(encodeRows(way.shape, rows)));
        await client.command({ query: `TRUNCATE TABLE ${way.database}.otel_logs` });
        const start = process.hrtime.bigint();
        for (const body of bodies) await insert(client, way.database, way.shape, body, way.settings);
        const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
        (seconds[name] ??= []).push(elapsed);
        process.stderr.write(
          `${name} round ${round + 1}: ${Math.round((BATCHES * ROWS_PER_BATCH) / elapsed)} rows/s\n`,
        );
      }
    for (const [name, list] of Object.entries(seconds)) {
      const median = [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
      results[name] = { medianRowsPerSecond: Math.round((BATCHES * ROWS_PER_BATCH) / median), seconds: list };
    }
    const types = await client.query({
      query: 'SELECT toJSONString(JSONAllPathsWithTypes(LogAttributes)) AS t FROM jjson.otel_logs LIMIT 1',
      format: 'JSONEachRow',
    });
    results['pathTypes'] = (await types.json<{ t: string }>())[0]?.t;
    mkdirSync(fromRoot('bench', 'results'), { recursive: true });
    const file = fromRoot('bench', 'results', `${new Date().toISOString().slice(0, 10)}-json-formats.json`);
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
