/** The local ClickHouse server, proven with the official @clickhouse/client over HTTP. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { clickhouseUrl, uniqueName } from '../harness/env.js';

describe('local ClickHouse server (chdb behind the HTTP interface)', () => {
  let client: ClickHouseClient;
  const table = uniqueName('t');
  before(async () => {
    client = createClient({ url: clickhouseUrl() });
    await client.command({
      query: `CREATE TABLE ${table} (s String, n UInt32, t DateTime64(9)) ENGINE = MergeTree ORDER BY n SETTINGS non_replicated_deduplication_window = 100`,
    });
  });
  after(async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.close();
  });

  test('ping and GET /ping', async () => {
    assert.equal((await client.ping()).success, true);
    assert.equal(await (await fetch(`${clickhouseUrl()}/ping`)).text(), 'Ok.\n');
  });

  test('JSONEachRow insert and JSON / JSONEachRow queries; server-like settings', async () => {
    await client.insert({
      table,
      values: [{ s: 'a', n: 1, t: '2026-11-20 10:00:00.123456789' }],
      format: 'JSONEachRow',
    });
    const json = await (
      await client.query({ query: `SELECT s, n FROM ${table} WHERE n = 1`, format: 'JSON' })
    ).json<{ s: string; n: number }>();
    assert.deepEqual(json.data, [{ s: 'a', n: 1 }]);
    const settings = await (
      await client.query({
        query:
          "SELECT getSetting('date_time_input_format') AS f, getSetting('async_insert') AS a, toUInt64(1) AS big",
        format: 'JSONEachRow',
      })
    ).json<{ f: string; a: boolean | number; big: string }>();
    assert.equal(settings[0]!.f, 'basic');
    assert.equal(Number(settings[0]!.a), 0);
    assert.equal(settings[0]!.big, '1', '64-bit integers quoted as on clickhouse-server');
  });

  test('RowBinary insert is byte-exact, multibyte characters included', async () => {
    const text = 'snow ☃ 雪 ❄'.repeat(1000);
    const bytes = Buffer.from(text, 'utf8');
    const varint: number[] = [];
    for (let v = bytes.length; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        varint.push(v);
        break;
      }
      varint.push((v % 128) | 0x80);
    }
    const n = Buffer.alloc(4);
    n.writeUInt32LE(2);
    const t = Buffer.alloc(8);
    t.writeBigInt64LE(1795000000123456789n);
    const body = Buffer.concat([Buffer.from(varint), bytes, n, t]);
    // Deliver in small chunks so multibyte characters straddle chunk boundaries.
    const chunks = Array.from({ length: Math.ceil(body.length / 7) }, (_, i) =>
      body.subarray(i * 7, i * 7 + 7),
    );
    await client
      .exec({ query: `INSERT INTO ${table} FORMAT RowBinary`, values: Readable.from(chunks) })
      .then((r) => r.stream.resume());
    const [row] = await (
      await client.query({
        query: `SELECT s, toString(t) AS t FROM ${table} WHERE n = 2`,
        format: 'JSONEachRow',
      })
    ).json<{ s: string; t: string }>();
    assert.equal(row!.s, text);
    assert.equal(row!.t, '2026-11-18 11:06:40.123456789');
  });

  test('errors carry the ClickHouse code', async () => {
    await assert.rejects(
      client.query({ query: 'SELECT * FROM no_such_table_here' }),
      (err: { code?: string; type?: string }) => {
        assert.equal(err.code, '60');
        assert.equal(err.type, 'UNKNOWN_TABLE');
        return true;
      },
    );
    await assert.rejects(client.command({ query: 'SELEC 1' }), (err: { code?: string }) => err.code === '62');
  });

  test('a dedup token dedups, and never leaks into later requests', async () => {
    const insert = (n: number, token?: string): Promise<unknown> =>
      client.insert({
        table,
        values: [{ s: 'tok', n, t: '2026-11-20 10:00:00' }],
        format: 'JSONEachRow',
        ...(token ? { clickhouse_settings: { insert_deduplication_token: token } } : {}),
      });
    await insert(10, 'same');
    await insert(11, 'same'); // same token: dropped
    await insert(12); // no token: must land
    await insert(13); // must land too
    const found = await (
      await client.query({
        query: `SELECT n FROM ${table} WHERE s = 'tok' ORDER BY n`,
        format: 'JSONEachRow',
      })
    ).json<{ n: number }>();
    assert.deepEqual(
      found.map((r) => r.n),
      [10, 12, 13],
    );
  });

  test("a request's settings apply together, and all are back at the baseline after it, refused or not", async () => {
    const probe = async (settings: Record<string, string | number>): Promise<Record<string, string>> => {
      const [row] = await (
        await client.query({
          query:
            "SELECT toString(getSetting('max_threads')) AS threads, toString(getSetting('date_time_input_format')) AS dt, " +
            "toString(getSetting('insert_deduplicate')) AS dedup",
          format: 'JSONEachRow',
          clickhouse_settings: settings,
        })
      ).json<Record<string, string>>();
      return row!;
    };
    const baseline = await probe({});
    const applied = await probe({
      max_threads: 3,
      date_time_input_format: 'best_effort',
      insert_deduplicate: 0,
    });
    assert.deepEqual(applied, { threads: '3', dt: 'best_effort', dedup: 'false' });
    assert.deepEqual(await probe({}), baseline, 'nothing leaks into the next request');
    // One unknown setting among good ones: the error names it, and none of the good ones stays.
    await assert.rejects(
      probe({ max_threads: 5, no_such_setting_here: 1, date_time_input_format: 'best_effort' }),
      (err: { code?: string; message?: string }) =>
        err.code === '115' && /no_such_setting_here/.test(err.message ?? ''),
    );
    assert.deepEqual(await probe({}), baseline, 'a refused request leaves the baseline');
  });

  test('gzip request and response bodies', async () => {
    const gz = createClient({ url: clickhouseUrl(), compression: { request: true, response: true } });
    try {
      await gz.insert({
        table,
        values: [{ s: 'gz', n: 20, t: '2026-11-20 10:00:00' }],
        format: 'JSONEachRow',
      });
      const res = await fetch(
        `${clickhouseUrl()}/?enable_http_compression=1&query=${encodeURIComponent(`SELECT s FROM ${table} WHERE n = 20`)}`,
        {
          headers: { 'accept-encoding': 'gzip' },
        },
      );
      assert.equal(res.headers.get('content-encoding'), 'gzip');
      assert.equal(await res.text(), 'gz\n'); // fetch inflates it
      const rows = await (
        await gz.query({ query: `SELECT s FROM ${table} WHERE n = 20`, format: 'JSONEachRow' })
      ).json<{ s: string }>();
      assert.deepEqual(rows, [{ s: 'gz' }]);
    } finally {
      await gz.close();
    }
  });

  test('concurrent inserts from two client processes give exact counts', async () => {
    const target = uniqueName('c');
    await client.command({
      query: `CREATE TABLE ${target} (p UInt8, i UInt32) ENGINE = MergeTree ORDER BY i`,
    });
    const script = `
      const { createClient } = require('@clickhouse/client');
      const c = createClient({ url: process.argv[1] });
      const p = Number(process.argv[2]);
      Promise.all(Array.from({ length: 20 }, (_, b) => c.insert({ table: '${target}', format: 'JSONEachRow',
        values: Array.from({ length: 500 }, (_, i) => ({ p, i: b * 500 + i })) }))).then(() => c.close()).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
    const run = (p: number): Promise<number | null> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['-e', script, clickhouseUrl(), String(p)], {
          stdio: 'inherit',
        });
        child.once('exit', resolve);
      });
    assert.deepEqual(await Promise.all([run(1), run(2)]), [0, 0]);
    const counts = await (
      await client.query({
        query: `SELECT p, count() AS n FROM ${target} GROUP BY p ORDER BY p`,
        format: 'JSONEachRow',
      })
    ).json<{ p: number; n: string }>();
    assert.deepEqual(counts, [
      { p: 1, n: '10000' },
      { p: 2, n: '10000' },
    ]);
    await client.command({ query: `DROP TABLE ${target}` });
  });

  test('a long query does not stall the HTTP loop: /ping answers meanwhile', async () => {
    const slow = client.query({
      query: 'SELECT sleepEachRow(0.5) FROM numbers(4) SETTINGS max_block_size = 1',
      format: 'JSONEachRow',
    });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const ping = await fetch(`${clickhouseUrl()}/ping`);
    assert.equal(ping.status, 200);
    assert.ok(Date.now() - started < 500, `ping took ${Date.now() - started} ms`);
    await (await slow).json();
  });

  test('wrong credentials are refused with code 516 when a password is set', async () => {
    const res = await fetch(`${clickhouseUrl()}/?query=SELECT%201`, {
      headers: { 'x-clickhouse-user': 'nobody', 'x-clickhouse-key': 'x' },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-clickhouse-exception-code'), '516');
  });
});
