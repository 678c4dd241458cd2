/**
 * The local ClickHouse server serves the ClickStack UI at /clickstack from the files the installed
 * chdb engine library carries, on the paths ClickHouse 26.x uses, and goes on without it when an
 * engine build lacks them.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { openClickStackUi, resourcePath } from '../../deploy/local/clickhouse/clickstack-ui.js';
import { NoEmbeddedFiles, findEmbeddedFiles } from '../../deploy/local/clickhouse/embedded-files.js';
import { clickhouseUrl } from '../harness/env.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

function fetchRaw(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, clickhouseUrl()), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const gzip = { 'accept-encoding': 'gzip, deflate, br' };
const chdbLibrary = (): string =>
  join(dirname(createRequire(import.meta.url).resolve('@chdb/lib-linux-x64-gnu/package.json')), 'libchdb.so');

describe('the ClickStack UI at /clickstack', () => {
  test('index page and every file it references, gzipped for browsers, plain for others', async () => {
    const page = await fetchRaw('/clickstack', 'GET', gzip);
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-encoding'], 'gzip');
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const html = gunzipSync(page.body).toString('utf8');
    assert.match(html, /<title[^>]*>ClickStack<\/title>/);
    const plain = await fetchRaw('/clickstack/');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString('utf8'), html, 'inflated for a client without gzip');

    // The page loads its runtime settings and icons from the root, the rest from /clickstack/.
    const referenced = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(referenced.includes('/__ENV.js'));
    assert.ok(referenced.some((p) => p.startsWith('/favicons/')));
    assert.ok(referenced.filter((p) => p.startsWith('/clickstack/_next/')).length > 10);
    for (const path of new Set(referenced)) {
      const file = await fetchRaw(path, 'GET', gzip);
      assert.equal(file.status, 200, path);
      assert.ok(gunzipSync(file.body).length > 0, path);
    }
    const env = (await fetchRaw('/__ENV.js')).body.toString('utf8');
    assert.match(env, /"NEXT_PUBLIC_IS_LOCAL_MODE":"true"/);
    assert.match(env, /"NEXT_PUBLIC_APP_VERSION":"\d+\.\d+\.\d+"/);
  });

  test('pages by clean URL and dynamic route; HEAD; unknown and malformed paths', async () => {
    const search = await fetchRaw('/clickstack/search');
    assert.equal(search.status, 200);
    assert.match(search.body.toString('utf8'), /Search/);
    const trace = await fetchRaw('/clickstack/trace/4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(trace.status, 200, 'served by trace/[traceId].html');
    const head = await fetchRaw('/clickstack/search', 'HEAD', gzip);
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.ok(Number(head.headers['content-length']) > 0);
    assert.equal((await fetchRaw('/clickstack/no-such-file.js')).status, 404);
    assert.equal((await fetchRaw('/clickstack/%E0%A4%A')).status, 400);
    // Only GET and HEAD are the UI's; queries still need the query handler's path.
    const post = await fetchRaw('/clickstack', 'POST');
    assert.match(post.body.toString('utf8'), /There is no handle/);
  });

  test('the request guard applies to the UI too: a foreign Host or a cross-site frame is refused', async () => {
    assert.equal((await fetchRaw('/clickstack', 'GET', { host: 'rebound.attacker.example' })).status, 403);
    assert.equal((await fetchRaw('/clickstack', 'GET', { 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await fetchRaw('/clickstack', 'GET', { 'sec-fetch-site': 'none' })).status, 200);
  });

  test('request paths map to files as in ClickHouse', () => {
    assert.equal(resourcePath('/clickstack'), 'index.html');
    assert.equal(resourcePath('/clickstack/'), 'index.html');
    assert.equal(resourcePath('/clickstack/search/'), 'search.html');
    assert.equal(resourcePath('/clickstack/dashboards/list'), 'dashboards/list.html');
    assert.equal(resourcePath('/clickstack/_next/static/x.js'), '_next/static/x.js');
    assert.equal(resourcePath('/__ENV.js'), '__ENV.js');
    assert.equal(resourcePath('/favicons/clickstack/favicon.svg'), 'favicons/clickstack/favicon.svg');
    assert.equal(resourcePath('/clickstack/%ZZ'), undefined);
  });

  test('the files are found in the engine library quickly, and only their index is kept', async () => {
    const started = Date.now();
    const files = await findEmbeddedFiles(chdbLibrary());
    const ms = Date.now() - started;
    process.stderr.write(`ClickStack UI: ${files.length} files found in ${ms} ms\n`);
    assert.ok(files.length > 100);
    assert.ok(ms < 10_000, `took ${ms} ms`);
    const index = files.find((f) => f.path === 'index.html');
    assert.ok(index && index.size < 100_000 && /^text\/html/.test(index.mime));
    const total = files.reduce((sum, f) => sum + f.size, 0);
    assert.ok(total > 1_000_000, 'the files stay in the library; the index only says where');
  });

  test('an engine library without the files: one reason, no crash, the UI answers 404', async () => {
    const nativeAddon = join(dirname(chdbLibrary()), 'chdb_node.node'); // ELF, but no UI table
    for (const library of [nativeAddon, '/etc/hostname', '/no/such/libchdb.so', undefined]) {
      const ui = openClickStackUi(library);
      const info = await ui.ready;
      assert.ok(info instanceof NoEmbeddedFiles, String(library));
      const server = createServer((req, res) => void ui.serve(req, res, req.url ?? '/'));
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      try {
        const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/clickstack`);
        assert.equal(answer.status, 404);
        assert.match(await answer.text(), /ClickStack UI is not available/);
      } finally {
        server.close();
      }
      await ui.close();
    }
  });
});
