/**
 * The local ClickHouse server refuses what a web page or a stray process could use against the
 * developer (issue 16, item 5), while the developer's own tools keep working.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { startClickHouse } from '../../deploy/local/clickhouse/process.js';
import { fromRoot } from '../../core/paths.js';
import { freshDatabase } from '../harness/clickhouse.js';
import { clickhouseUrl, uniqueName } from '../harness/env.js';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** A raw HTTP request, so tests can set Host and Origin as a browser would. */
function call(
  base: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const url = new URL(options.path ?? '/', base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const get = (sql: string, headers?: Record<string, string>): Promise<Answer> =>
  call(clickhouseUrl(), { path: `/?query=${encodeURIComponent(sql)}`, ...(headers ? { headers } : {}) });
const post = (sql: string, path = '/'): Promise<Answer> => call(clickhouseUrl(), { path, body: sql });

/** A query with one external table (multipart/form-data), as writer/insert.ts sends rows. */
function withExternal(
  sql: string,
  rows: Buffer,
  structure: string,
  format = 'RowBinary',
  name = '_tributary_rows',
): Promise<Answer> {
  const boundary = `b-${uniqueName('mp')}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    rows,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const params = new URLSearchParams({
    query: sql,
    [`${name}_structure`]: structure,
    [`${name}_format`]: format,
  });
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/?${params.toString()}`, clickhouseUrl()),
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function refused(answer: Answer, what: string): void {
  assert.ok(answer.status >= 400, `${what}: expected a refusal, got ${answer.status} ${answer.body}`);
}

describe('local ClickHouse server sandbox', () => {
  let client: ClickHouseClient;
  const table = uniqueName('sb');
  const marker = join(tmpdir(), uniqueName('written'));
  before(async () => {
    client = createClient({ url: clickhouseUrl() });
    await client.command({ query: `CREATE TABLE ${table} (s String) ENGINE = MergeTree ORDER BY s` });
  });
  after(async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.close();
    rmSync(marker, { force: true });
  });

  test('GET runs reads only; writes by GET are refused and change nothing', async () => {
    assert.equal((await get('SELECT 1')).body, '1\n');
    for (const sql of [
      `INSERT INTO ${table} VALUES ('by-get')`,
      `CREATE TABLE ${uniqueName('g')} (a Int8) ENGINE = Memory`,
      `DROP TABLE ${table}`,
      `ALTER TABLE ${table} DELETE WHERE 1`,
      `TRUNCATE TABLE ${table}`,
      `/* hidden */ (INSERT INTO ${table} VALUES ('x'))`,
    ]) {
      const answer = await get(sql);
      assert.equal(answer.status, 403, `${sql}: ${answer.body}`);
      assert.match(answer.body, /READONLY/);
    }
    const rows = await post(`SELECT count() FROM ${table}`);
    assert.equal(rows.body, '0\n');
  });

  test('statements reaching files, hosts or processes are refused in every form', async () => {
    const forms = [
      "SELECT * FROM file('/etc/hostname', 'LineAsString')",
      "SELECT * FROM `fi\\x6ce`('/etc/hostname', 'LineAsString')",
      "SELECT * FROM \"file\"('/etc/hostname', 'LineAsString')",
      "SELECT * FROM file /* gap */ ('/etc/hostname', 'LineAsString')",
      "SELECT file('/etc/hostname')",
      'SELECT * FROM `/etc/hostname`',
      "SELECT * FROM '/etc/hostname'",
      'SELECT count() FROM `package.json`',
      "SELECT * FROM loop(default, concat('/etc/', 'hostname')) LIMIT 1",
      "SELECT * FROM format(Values, 's String', concat('(fi', 'le(''/etc/hostname''))'))",
      "SELECT * FROM format(Values, 's String', '(file(''/etc/hostname''))')",
      "SELECT * FROM format(JSONEachRow, 'a String, b String DEFAULT file(''/etc/hostname'')', '{\"a\":\"x\"}')",
      "WITH concat('(fi', 'le(''/etc/hostname''))') AS d SELECT * FROM format(Values, 's String', d)",
      "SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')",
      "SELECT * FROM s3('http://127.0.0.1:1/b/k', 'LineAsString')",
      "SELECT * FROM remote('127.0.0.1:1', system.one)",
      "SELECT * FROM remoteSecure('127.0.0.1:1', system.one)",
      "SELECT * FROM executable('id', 'LineAsString', 'x String')",
      "SELECT * FROM hdfs('hdfs://127.0.0.1:1/x', 'LineAsString')",
      "SELECT * FROM mysql('127.0.0.1:1', 'd', 't', 'u', 'p')",
      "SELECT * FROM postgresql('127.0.0.1:1', 'd', 't', 'u', 'p')",
      "SELECT * FROM jdbc('jdbc:x', 't')",
      "SELECT * FROM odbc('DSN=x', 't')",
      "SELECT * FROM filesystem('/etc')",
      "SELECT * FROM eval('SELECT 1')",
      `SELECT 1 INTO OUTFILE '${marker}'`,
      `INSERT INTO ${table} FROM INFILE '/etc/hostname' FORMAT LineAsString`,
      `INSERT INTO FUNCTION file('${marker}', 'CSV', 'a String') VALUES ('x')`,
      `CREATE TABLE ${uniqueName('f')} (a String) ENGINE = File(CSV, '${marker}')`,
      `CREATE TABLE ${uniqueName('u')} (a String) ENGINE = URL('http://127.0.0.1:1/', CSV)`,
      `CREATE TABLE ${uniqueName('s')} (a String) ENGINE = S3('http://127.0.0.1:1/b/k', CSV)`,
      `CREATE TABLE ${uniqueName('k')} (a String) ENGINE = Kafka('127.0.0.1:1', 't', 'g', 'CSV')`,
      `CREATE TABLE ${uniqueName('m')} (a String) ENGINE \`File\`(CSV)`,
      `CREATE DATABASE ${uniqueName('d')} ENGINE = Filesystem('/etc')`,
      `CREATE DICTIONARY ${uniqueName('dict')} (k UInt64, v String) PRIMARY KEY k SOURCE(FILE(path '/etc/hostname' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)`,
      `CREATE DICTIONARY ${uniqueName('dict')} (k UInt64, v String) PRIMARY KEY k SOURCE(HTTP(url 'http://127.0.0.1:1/' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)`,
      `CREATE DICTIONARY ${uniqueName('dict')} (k UInt64, v String) PRIMARY KEY k SOURCE(CLICKHOUSE(host '10.0.0.1' port 9000 table 't')) LAYOUT(FLAT()) LIFETIME(0)`,
      `CREATE DICTIONARY ${uniqueName('dict')} (k UInt64, v String) PRIMARY KEY k SOURCE(CLICKHOUSE(query 'SELECT 1, file(''/etc/hostname'')')) LAYOUT(FLAT()) LIFETIME(0)`,
      `CREATE TABLE ${uniqueName('dk')} (a String) ENGINE = MergeTree ORDER BY a SETTINGS disk = disk(type = local, path = '${marker}/')`,
      `BACKUP TABLE ${table} TO File('${marker}')`,
      `RESTORE TABLE ${table} FROM File('${marker}')`,
      'SYSTEM SHUTDOWN',
      'SYSTEM RELOAD CONFIG',
      "SELECT 1 SETTINGS format_schema = '/etc/hostname:x'",
      "SELECT 1 SETTINGS input_format_record_errors_file_path = '/tmp/x'",
      'SELECT 1; SELECT 2',
      'SET max_threads = 1',
      'USE system',
    ];
    for (const sql of forms) refused(await post(sql), sql);
    refused(await post('SELECT 1', '/?format_schema=x'), 'format_schema as a URL setting');
    assert.equal(existsSync(marker), false, 'nothing was written');
    const values = await call(clickhouseUrl(), {
      path: `/?query=${encodeURIComponent(`INSERT INTO ${table} FORMAT Values`)}`,
      body: "(file('/etc/hostname'))",
    });
    refused(values, 'Values data evaluating file()');
    assert.equal((await post(`SELECT count() FROM ${table}`)).body, '0\n');
  });

  test("the server's own binary inserts, and ordinary work, keep working", async () => {
    await client.insert({ table, values: [{ s: 'json' }], format: 'JSONEachRow' });
    const rowBinary = Buffer.concat([Buffer.from([3]), Buffer.from('bin')]);
    await client
      .exec({ query: `INSERT INTO ${table} FORMAT RowBinary`, values: Readable.from([rowBinary]) })
      .then((r) => r.stream.resume());
    await post(`INSERT INTO ${table} VALUES ('values'), (concat('con', 'cat'))`);
    await call(clickhouseUrl(), {
      path: `/?query=${encodeURIComponent(`INSERT INTO ${table} FORMAT Values`)}`,
      body: "('body-values')",
    });
    const rows = await get(`SELECT arraySort(groupArray(s)) FROM ${table} FORMAT JSONEachRow`);
    assert.equal(rows.status, 200, rows.body);
    for (const s of ['json', 'bin', 'values', 'concat', 'body-values'])
      assert.ok(rows.body.includes(`"${s}"`), s);
    // Reads a developer types: WITH, EXPLAIN, SHOW, DESCRIBE, system tables, query parameters.
    for (const sql of [
      'WITH 1 AS x SELECT x',
      `EXPLAIN SELECT * FROM ${table}`,
      'SHOW TABLES',
      `DESCRIBE TABLE ${table}`,
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'sb%' LIMIT 1",
      "SELECT Body FROM (SELECT 'open file(s) in /var/log' AS Body) WHERE Body LIKE '%/var/%'",
      'SELECT * FROM numbers(3)',
      "SELECT * FROM values('a String', 'x', 'y')",
    ])
      assert.equal((await get(sql)).status, 200, sql);
  });

  test('external data: the server loads the upload itself; the client SQL and structure are still checked', async () => {
    const rows = Buffer.concat(
      ['ext-1', 'ext-2'].map((v) => Buffer.concat([Buffer.from([v.length]), Buffer.from(v)])),
    );
    const ok = await withExternal(
      `INSERT INTO ${table} (s) SELECT s FROM _tributary_rows WHERE s != ''`,
      rows,
      '`s` String',
    );
    assert.equal(ok.status, 200, ok.body);
    const read = await withExternal(
      'SELECT count(), max(s) FROM _tributary_rows FORMAT TSV',
      rows,
      's String',
    );
    assert.equal(read.body, '2\text-2\n');
    const landed = await get(`SELECT count() FROM ${table} WHERE s LIKE 'ext-%'`);
    assert.equal(landed.body, '2\n');
    // The client's statement passes the policy before the server puts its table in.
    for (const sql of [
      "SELECT * FROM _tributary_rows UNION ALL SELECT * FROM file('/etc/hostname', 'LineAsString', 's String')",
      `INSERT INTO FUNCTION file('${marker}', 'TSV', 's String') SELECT s FROM _tributary_rows`,
      `SELECT s FROM _tributary_rows INTO OUTFILE '${marker}'`,
    ])
      refused(await withExternal(sql, rows, 's String'), sql);
    // The structure goes into the server's CREATE TABLE: it may neither escape the column list
    // nor hide a call the policy refuses.
    for (const structure of [
      "s String DEFAULT file('/etc/hostname')",
      "s String) ENGINE = File(TSV, '/tmp/x') --",
      's String); DROP TABLE x; --',
      "s String, t String DEFAULT url('http://127.0.0.1:1/', CSV)",
    ])
      refused(await withExternal('SELECT count() FROM _tributary_rows', rows, structure), structure);
    refused(
      await withExternal('SELECT count() FROM _tributary_rows', rows, 's String', 'RowBinary; x'),
      'format',
    );
    assert.equal(existsSync(marker), false);
    // Nothing is left behind in the server's own database.
    const left = await get("SELECT count() FROM system.tables WHERE database = '_tributary_external'");
    assert.equal(left.body, '0\n');
  });

  test('foreign or null Origin, foreign Host and cross-site browser requests are refused', async () => {
    const foreign: Record<string, string>[] = [
      { origin: 'null' },
      { origin: 'https://evil.example' },
      { host: 'evil.example:8123' },
      { host: 'rebound.attacker.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      const answer = await get('SELECT 1', headers);
      assert.equal(answer.status, 403, `${JSON.stringify(headers)}: ${answer.body}`);
      assert.equal(answer.headers['access-control-allow-origin'], undefined);
    }
    // The developer's own: curl (no Origin), a typed address bar (Sec-Fetch-Site: none), localhost.
    assert.equal((await get('SELECT 1', { 'sec-fetch-site': 'none' })).status, 200);
    assert.equal((await get('SELECT 1', { host: `localhost:${new URL(clickhouseUrl()).port}` })).status, 200);
    const ping = await call(clickhouseUrl(), { path: '/ping', headers: { origin: 'https://evil.example' } });
    assert.equal(ping.status, 403);
  });

  test("the server's own origin may query it (a page it served, e.g. /clickstack); no other origin may", async () => {
    const { host, port } = new URL(clickhouseUrl());
    const sameOrigin = (origin: string, hostHeader = host): Promise<Answer> =>
      call(clickhouseUrl(), {
        path: '/?default_format=TSV',
        headers: { origin, host: hostHeader, 'sec-fetch-site': 'same-origin' },
        body: 'SELECT 40 + 2',
      });
    // A browser's same-origin POST carries Origin: the UI's queries are of this kind.
    const own = await sameOrigin(`http://${host}`);
    assert.equal(own.status, 200, own.body);
    assert.equal(own.body, '42\n');
    const ownByName = await sameOrigin(`http://localhost:${port}`, `localhost:${port}`);
    assert.equal(ownByName.status, 200, ownByName.body);
    // Not its own: another port or scheme, a name the Host does not carry, a rebinding name.
    for (const [origin, hostHeader] of [
      [`http://127.0.0.1:${Number(port) + 1}`, host],
      [`https://${host}`, host],
      [`http://localhost:${port}`, host],
      [`http://rebound.attacker.example:${port}`, `rebound.attacker.example:${port}`],
    ] as const) {
      const answer = await sameOrigin(origin, hostHeader);
      assert.equal(answer.status, 403, `${origin} via Host ${hostHeader}: ${answer.body}`);
    }
    // Same origin opens no write path on GET: the read-only rule still holds.
    const write = await call(clickhouseUrl(), {
      path: `/?query=${encodeURIComponent(`INSERT INTO ${table} VALUES ('by-get')`)}`,
      headers: { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(write.status, 403, write.body);
  });

  test("the README's and `dev`'s query examples answer", async () => {
    const readme = readFileSync(fromRoot('README.md'), 'utf8');
    const example = /curl -s '(http:\/\/127\.0\.0\.1:8123\/\?query=[^']+)'/.exec(readme)?.[1];
    assert.ok(example, 'README has a ClickHouse curl example');
    const db = await freshDatabase();
    try {
      const url = new URL(example);
      const base = new URL(clickhouseUrl());
      url.host = base.host;
      url.searchParams.set('database', db.database);
      const answer = await call(url.origin, { path: url.pathname + url.search });
      assert.equal(answer.status, 200, answer.body);
      // dev prints the same query qualified with the database.
      const devForm = await get(`SELECT ServiceName,Body FROM ${db.database}.otel_logs FORMAT PrettyCompact`);
      assert.equal(devForm.status, 200, devForm.body);
    } finally {
      await db.drop();
    }
  });

  test('a non-loopback listen address needs a password; with one, the server works and checks it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-ch-'));
    try {
      await assert.rejects(
        startClickHouse({ dataDir: join(dir, 'a'), port: 0, host: '0.0.0.0', startTimeoutMs: 60_000 }),
        /not a loopback address/,
      );
      const server = await startClickHouse({
        dataDir: join(dir, 'b'),
        port: 0,
        host: '0.0.0.0',
        user: 'dev',
        password: 's3cret',
        allowedOrigins: ['http://localhost:8080'],
      });
      try {
        const port = new URL(server.url).port;
        const base = `http://127.0.0.1:${port}`;
        const anonymous = await call(base, { path: '/?query=SELECT+1' });
        assert.equal(anonymous.status, 401);
        const auth = { 'x-clickhouse-user': 'dev', 'x-clickhouse-key': 's3cret' };
        assert.equal((await call(base, { path: '/?query=SELECT+1', headers: auth })).body, '1\n');
        const cors = await call(base, {
          path: '/?query=SELECT+1',
          headers: { ...auth, origin: 'http://localhost:8080' },
        });
        assert.equal(cors.status, 200);
        assert.equal(cors.headers['access-control-allow-origin'], 'http://localhost:8080');
        const preflight = await call(base, {
          method: 'OPTIONS',
          headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'POST' },
        });
        assert.equal(preflight.status, 204);
        // Exactly what is listed: no other port, scheme, host spelling or suffix.
        for (const origin of [
          'http://localhost:9999',
          'https://localhost:8080',
          'http://127.0.0.1:8080',
          'http://localhost:8080.evil.example',
          'http://localhost',
        ]) {
          const other = await call(base, { path: '/?query=SELECT+1', headers: { ...auth, origin } });
          assert.equal(other.status, 403, origin);
          assert.equal(other.headers['access-control-allow-origin'], undefined, origin);
        }
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
