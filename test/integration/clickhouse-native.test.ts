/**
 * Native results at the client's protocol revision (what clickhouse-go, the Collector's
 * clickhouseexporter client, reads over HTTP), against the real chdb-backed local server.
 * The Collector itself is proven by `npm run parity:collector` (needs Go).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  REVISION_WITH_CUSTOM_SERIALIZATION,
  reframeNative,
  walkNative,
} from '../../deploy/local/clickhouse/native-blocks.js';
import { freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl } from '../harness/env.js';

/** clickhouse-go v2.46's DBMS_TCP_PROTOCOL_VERSION; chdb's own revision() is 54513. */
const GO_CLIENT_REVISION = 54460;

async function post(
  sql: string,
  params: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; bytes: Buffer }> {
  const url = new URL(clickhouseUrl());
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  if (body) url.searchParams.set('query', sql);
  const response = await fetch(url, { method: 'POST', body: body ?? sql });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function native(sql: string, revision?: number, database = 'default'): Promise<Buffer> {
  const params: Record<string, string> = { default_format: 'Native', database };
  if (revision !== undefined) params['client_protocol_version'] = String(revision);
  const { status, bytes } = await post(sql, params);
  assert.equal(status, 200, bytes.toString('utf8'));
  return bytes;
}

/** Types beyond the DDL's, in one generated result of many small blocks. */
const EXTRA_STRUCTURE = [
  'n Nullable(String)',
  'lcn LowCardinality(Nullable(String))',
  'tp Tuple(a String, `b c` UInt8)',
  'id UUID',
  'ip6 IPv6',
  'ip4 IPv4',
  'fs FixedString(5)',
  "e Enum8('a' = 1, 'b,c)' = 2)",
  'd Decimal(18, 4)',
  'd76 Decimal(76, 2)',
  'dt Date',
  'd32 Date32',
  'i128 Int128',
  'u256 UInt256',
  'f32 Float32',
  'an Array(Nullable(Int8))',
  'aa Array(Array(String))',
  'ms Map(String, Array(UInt16))',
  'alc Array(LowCardinality(String))',
  'nested Nested(x String, y Int64)',
].join(', ');

describe('local ClickHouse: Native at the client protocol revision', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db.drop();
  });

  test('the server-hello shape, byte for byte, at each revision', async () => {
    const sql = 'SELECT toUInt8(7) AS x';
    const rev0 = Buffer.from([0x01, 0x01, 0x01, 0x78, 0x05, ...Buffer.from('UInt8'), 0x07]);
    assert.deepEqual(await native(sql), rev0, 'no client_protocol_version: revision 0, as chdb writes it');
    assert.deepEqual(await native(sql, 0), rev0);
    const blockInfo = [0x01, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00];
    assert.deepEqual(
      await native(sql, 54_453),
      Buffer.from([...blockInfo, 0x01, 0x01, 0x01, 0x78, 0x05, ...Buffer.from('UInt8'), 0x07]),
      'block info first, no serialization flag below 54454',
    );
    assert.deepEqual(
      await native(sql, GO_CLIENT_REVISION),
      Buffer.from([...blockInfo, 0x01, 0x01, 0x01, 0x78, 0x05, ...Buffer.from('UInt8'), 0x00, 0x07]),
      'and the "no custom serialization" byte after the type from 54454',
    );
    // The query's own FORMAT clause wins over default_format, as on clickhouse-server.
    const tsv = await native(`${sql} FORMAT TabSeparated`, GO_CLIENT_REVISION);
    assert.equal(tsv.toString('utf8'), '7\n');
  });

  test('every table of the DDL round-trips: revision 0 → client revision → revision 0, byte-exact', async () => {
    const tables = (
      await (
        await db.client.query({
          query: `SELECT name FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' ORDER BY name`,
          query_params: { db: db.database },
          format: 'JSONEachRow',
        })
      ).json<{ name: string }>()
    )
      .map((row) => row.name)
      // The self-test's scratch table keeps a day: its TTL drops generateRandom's old rows on insert.
      .filter((name) => name !== 'tributary_selftest');
    assert.ok(tables.includes('otel_traces') && tables.includes('otel_metrics_summary'), tables.join(','));
    const typesSeen = new Set<string>();
    for (const table of tables) {
      // Three inserts, three parts: the SELECT below answers in several blocks.
      for (let seed = 1; seed <= 3; seed++)
        await db.client.command({
          query: `INSERT INTO \`${db.database}\`.\`${table}\` SELECT * FROM generateRandom(${seed}, 6, 3) LIMIT 25`,
        });
      const sql = `SELECT * FROM \`${table}\` SETTINGS max_block_size = 7, max_threads = 1`;
      const rev0 = await native(sql, undefined, db.database);
      const framed = await native(sql, GO_CLIENT_REVISION, db.database);
      const blocks = walkNative(rev0, 0);
      const [{ n }] = (await (
        await db.client.query({
          query: `SELECT count() AS n FROM \`${db.database}\`.\`${table}\``,
          format: 'JSONEachRow',
        })
      ).json<{ n: string }>()) as [{ n: string }];
      // 75 rows of its own, and what the materialized views put into the rollup tables.
      assert.ok(Number(n) >= 75, `${table}: ${n} rows`);
      assert.equal(
        blocks.reduce((sum, block) => sum + block.rows, 0),
        Number(n),
        table,
      );
      assert.ok(blocks.length > 1, `${table}: several blocks`);
      for (const block of blocks) for (const column of block.columns) typesSeen.add(column.type);
      assert.deepEqual(framed, reframeNative(rev0, 0, GO_CLIENT_REVISION), `${table}: served = re-framed`);
      assert.equal(
        framed.length,
        rev0.length + blocks.length * 8 + blocks.length * blocks[0]!.columns.length,
      );
      assert.deepEqual(reframeNative(framed, GO_CLIENT_REVISION, 0), rev0, `${table}: back to revision 0`);
    }
    for (const type of [
      'LowCardinality(String)',
      'Map(LowCardinality(String), String)',
      'DateTime64(9)',
      'Array(Map(LowCardinality(String), String))',
      'Bool',
    ])
      assert.ok(typesSeen.has(type), `the DDL's ${type} was walked`);
  });

  test('types beyond the DDL round-trip too', async () => {
    const table = `\`${db.database}\`.extra_types`;
    await db.client.command({
      query: `CREATE TABLE ${table} (${EXTRA_STRUCTURE}) ENGINE = MergeTree ORDER BY tuple()`,
    });
    for (let seed = 1; seed <= 3; seed++)
      await db.client.command({
        query: `INSERT INTO ${table} SELECT * FROM generateRandom(${seed}, 5, 3) LIMIT 20`,
      });
    const sql = `SELECT * FROM ${table} SETTINGS max_block_size = 9, max_threads = 1`;
    const rev0 = await native(sql);
    const framed = await native(sql, GO_CLIENT_REVISION);
    assert.ok(walkNative(rev0, 0).length > 1, 'several blocks');
    assert.deepEqual(framed, reframeNative(rev0, 0, GO_CLIENT_REVISION));
    assert.deepEqual(reframeNative(framed, GO_CLIENT_REVISION, 0), rev0);
  });

  test('edge results: empty result, NULL, empty tuple and map, several blocks of many LowCardinality keys', async () => {
    for (const sql of [
      'SELECT 1 WHERE 0',
      'SELECT NULL AS n, [] AS a, map() AS m, tuple() AS t',
      'SELECT toLowCardinality(toString(number % 9000)) AS lc, number FROM numbers(200000)',
    ]) {
      const rev0 = await native(sql);
      const framed = await native(sql, GO_CLIENT_REVISION);
      assert.deepEqual(framed, reframeNative(rev0, 0, GO_CLIENT_REVISION), sql);
      assert.deepEqual(reframeNative(framed, GO_CLIENT_REVISION, 0), rev0, sql);
    }
  });

  test("clickhouse-go's insert path: DESCRIBE TABLE framed, then a revision-0 Native body goes in unchanged", async () => {
    const describe = await native('DESCRIBE TABLE otel_logs', GO_CLIENT_REVISION, db.database);
    const [block] = walkNative(describe, GO_CLIENT_REVISION);
    assert.ok(block && block.rows > 10 && block.columns.length === 7);
    await db.client.command({
      query: `CREATE TABLE \`${db.database}\`.logs_copy AS \`${db.database}\`.otel_logs`,
    });
    const rows = await native('SELECT * FROM otel_logs', undefined, db.database);
    const insert = await post(
      `INSERT INTO \`${db.database}\`.logs_copy FORMAT Native`,
      { client_protocol_version: String(GO_CLIENT_REVISION), database: db.database },
      rows,
    );
    assert.equal(insert.status, 200, insert.bytes.toString('utf8'));
    const digest = async (name: string): Promise<string> => {
      const result = await db.client.query({
        query: `SELECT count() AS n, sum(cityHash64(*)) AS h FROM \`${db.database}\`.${name}`,
        format: 'JSONEachRow',
      });
      return JSON.stringify(await result.json());
    };
    assert.equal(await digest('logs_copy'), await digest('otel_logs'));
  });

  test('compress=1 is refused plainly; an unsupported column type is named', async () => {
    const compressed = await post('SELECT 1', {
      compress: '1',
      client_protocol_version: String(GO_CLIENT_REVISION),
    });
    assert.notEqual(compressed.status, 200);
    assert.match(compressed.bytes.toString('utf8'), /compress: none/);
    const dynamic = await post('SELECT 1::Dynamic AS d', {
      default_format: 'Native',
      client_protocol_version: String(GO_CLIENT_REVISION),
    });
    assert.notEqual(dynamic.status, 200);
    assert.match(dynamic.bytes.toString('utf8'), /cannot re-frame Native columns of type Dynamic/);
    assert.equal(REVISION_WITH_CUSTOM_SERIALIZATION, 54454);
  });
});
