/**
 * How to send JSON attribute columns, measured: the same 100k log rows (test/fixtures/generate.ts
 * with a 20-attribute resource and 10 log attributes, wideLogs) inserted by the local engine
 *
 *   map:         into the Map layout (the baseline), RowBinary;
 *   json-text:   into the JSON layout, each JSON column as its JSON text, parsed by the server (what
 *                the writer sends: the server types the paths as it does for the exporter);
 *   json-binary: into the JSON layout, each JSON column in RowBinary's binary JSON encoding (typed
 *                paths: String, Int64, Float64, Bool), parsed by nobody.
 *
 * Also the writer's side: the same records transcoded (ClickStack log processing on) into each
 * layout's bodies, rows per writer CPU-second.
 *
 * The rows are encoded before the clock starts, written to files and inserted by the engine itself
 * (`INSERT … SELECT … FROM file(…, 'RowBinary', <structure>)`, no HTTP in between): the figures are
 * the engine's insert time, taken from the engine's own elapsed time per statement. Run:
 * npm run bench:json
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from '../core/paths.js';
import { createRequire } from 'node:module';
import { loadDdl } from '../schemas/ddl.js';
import { generateLogsObject } from '../test/fixtures/generate.js';
import { jsonToProtobuf } from '../schemas/otlp/codec.js';
import { type Attributes, type Raw, typedEntries } from '../writer/decode/anyvalue.js';
import type { Row } from '../writer/decode/index.js';
import { decodeRecord } from '../writer/decode/index.js';
import { ByteWriter, type Encoder } from '../writer/rowbinary.js';
import { transcodeRecord } from '../writer/transcode/index.js';
import { type TableShape, encodeRows, insertColumn } from '../writer/schema.js';

const BATCHES = Number(process.env['BENCH_JSON_BATCHES'] ?? 5);
const ROWS_PER_BATCH = 20_000;
const ROUNDS = Number(process.env['BENCH_JSON_ROUNDS'] ?? 3);

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

/**
 * Log records of the fixture generator with a Kubernetes-like resource (20 attributes) and 10 log
 * attributes of every scalar kind: the width a JSON column's parse cost grows with.
 */
function wideLogs(shape: Parameters<typeof generateLogsObject>[0]): Uint8Array {
  const object = generateLogsObject(shape) as {
    resourceLogs: {
      resource: { attributes: unknown[] };
      scopeLogs: { logRecords: { attributes: unknown[] }[] }[];
    }[];
  };
  const kv = (key: string, value: unknown): unknown => ({ key, value });
  for (const [r, resource] of object.resourceLogs.entries()) {
    for (let k = 0; k < 16; k++)
      resource.resource.attributes.push(kv(`k8s.label.${k}`, { stringValue: `value-${r}-${k}` }));
    for (const scope of resource.scopeLogs)
      for (const [n, record] of scope.logRecords.entries())
        record.attributes.push(
          kv('http.status_code', { intValue: String(200 + (n % 5)) }),
          kv('http.method', { stringValue: 'GET' }),
          kv('http.route', { stringValue: `/api/v${n % 7}` }),
          kv('duration.ms', { doubleValue: n * 0.25 }),
          kv('cache.hit', { boolValue: n % 2 === 0 }),
          kv('user.id', { stringValue: `user-${n}` }),
          kv('retry', { intValue: String(n % 3) }),
        );
  }
  return jsonToProtobuf('logs', JSON.stringify(object));
}

/** chdb's own session (the local server's engine refuses file() to its sandboxed user). */
interface Engine {
  queryAsync(sql: string, opts: { format: string }): Promise<{ elapsed: number; bytes(): Uint8Array }>;
  close(): void;
}

async function run(
  engine: Engine,
  sql: string,
  format = 'TabSeparated',
): Promise<{ text: string; seconds: number }> {
  const result = await engine.queryAsync(sql, { format });
  return { text: Buffer.from(result.bytes()).toString('utf8'), seconds: result.elapsed };
}

/** The writer's shape of a table (its DESCRIBE through the writer's column rules). */
async function shapeOf(engine: Engine, database: string, table: string): Promise<TableShape> {
  const { text } = await run(engine, `DESCRIBE TABLE \`${database}\`.\`${table}\``, 'JSONEachRow');
  const all = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { name: string; type: string; default_type: string })
    .filter((c) => c.default_type === '');
  return { table, columns: all.map((c) => insertColumn(c.name, c.type, all)) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-json-formats-'));
  const { Session } = createRequire(import.meta.url)('chdb') as { Session: new (path: string) => Engine };
  const engine = new Session(join(dir, 'data'));
  try {
    for (const [database, attributes] of [
      ['jmap', 'map'],
      ['jjson', 'json'],
    ] as const) {
      await run(engine, `CREATE DATABASE ${database}`);
      for (const file of loadDdl({ database, ttlDays: 0, cluster: '', dedupWindow: 0, attributes }))
        for (const statement of file.statements) await run(engine, statement);
    }
    const records = Array.from({ length: BATCHES }, (_, b) =>
      wideLogs({ seed: b + 1, resources: 20, scopesPerResource: 1, itemsPerScope: ROWS_PER_BATCH / 20 }),
    );
    const batches: Row[][] = [];
    for (const record of records)
      batches.push(decodeRecord('logs', record, { logProcessing: 'none' }).get('otel_logs')!);
    const mapShape = await shapeOf(engine, 'jmap', 'otel_logs');
    const textShape = await shapeOf(engine, 'jjson', 'otel_logs');
    const { text: desc } = await run(engine, 'DESCRIBE TABLE jjson.otel_logs', 'JSONEachRow');
    const tableTypes = new Map(
      desc
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { name: string; type: string })
        .map((c) => [c.name, c.type]),
    );
    const ways = {
      map: { database: 'jmap', shape: mapShape },
      'json-text': { database: 'jjson', shape: textShape },
      'json-binary': { database: 'jjson', shape: binaryShape(textShape, tableTypes) },
    };
    const results: Record<string, unknown> = {
      date: new Date().toISOString(),
      rows: BATCHES * ROWS_PER_BATCH,
      batchRows: ROWS_PER_BATCH,
      note: 'engine-only insert time (chdb, no HTTP); the rows encoded beforehand',
    };
    const seconds: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, way] of Object.entries(ways)) {
        const files = batches.map((rows, k) => {
          const file = join(dir, `${name}-${k}.bin`);
          writeFileSync(file, encodeRows(way.shape, rows));
          return file;
        });
        await run(engine, `TRUNCATE TABLE ${way.database}.otel_logs`);
        const columns = way.shape.columns.map((c) => `\`${c.name}\``).join(', ');
        const structure = way.shape.columns.map((c) => `\`${c.name}\` ${c.type}`).join(', ');
        let elapsed = 0;
        for (const file of files)
          elapsed += (
            await run(
              engine,
              `INSERT INTO ${way.database}.otel_logs (${columns}) SELECT ${columns} FROM file('${file}', 'RowBinary', '${structure.replace(/'/g, "\\'")}')`,
            )
          ).seconds;
        (seconds[name] ??= []).push(elapsed);
        process.stderr.write(
          `${name} round ${round + 1}: ${Math.round((BATCHES * ROWS_PER_BATCH) / elapsed)} rows/s\n`,
        );
      }
    // The writer's side: the same records transcoded into each layout's insert bodies, CPU per row.
    for (const database of ['jmap', 'jjson']) {
      const shapes = new Map([
        ['otel_logs', await shapeOf(engine, database, 'otel_logs')],
        ['hyperdx_sessions', await shapeOf(engine, database, 'hyperdx_sessions')],
      ]);
      const sink = new ByteWriter(1 << 24);
      const context = { shapes, sinkFor: () => sink, logProcessing: 'clickstack' as const };
      const cpu: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const start = process.cpuUsage();
        for (const record of records) {
          transcodeRecord('logs', record, context);
          sink.length = 0;
        }
        const used = process.cpuUsage(start);
        cpu.push((used.user + used.system) / 1e6);
      }
      const median = [...cpu].sort((a, b) => a - b)[Math.floor(cpu.length / 2)]!;
      results[`writer-${database === 'jmap' ? 'map' : 'json'}`] = {
        rowsPerCpuSecond: Math.round((BATCHES * ROWS_PER_BATCH) / median),
        cpuSeconds: cpu,
      };
    }
    for (const [name, list] of Object.entries(seconds)) {
      const median = [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
      results[name] = { medianRowsPerSecond: Math.round((BATCHES * ROWS_PER_BATCH) / median), seconds: list };
    }
    results['pathTypes'] = (
      await run(
        engine,
        'SELECT toJSONString(JSONAllPathsWithTypes(LogAttributes)) FROM jjson.otel_logs LIMIT 1',
      )
    ).text.trim();
    mkdirSync(fromRoot('bench', 'results'), { recursive: true });
    const out = fromRoot('bench', 'results', `${new Date().toISOString().slice(0, 10)}-json-formats.json`);
    writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(JSON.stringify(results, null, 2) + `\nwritten to ${out}\n`);
  } finally {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
