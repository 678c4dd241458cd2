/**
 * Query parameters in multipart/form-data bodies, read as ClickHouse reads them: parts with a
 * filename are external-data tables, the other parts are form fields beside the URL parameters
 * (query, param_*, settings). The current ClickStack UI's client, @clickhouse/client-web with
 * `use_multipart_params_auto`, moves long parameters into such a body.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { createClient } from '@clickhouse/client-web';
import { clickhouseUrl, uniqueName } from '../harness/env.js';

interface Part {
  readonly name: string;
  readonly value: string | Buffer;
  readonly filename?: string;
}

/** POSTs a multipart body with the given parts; URL parameters beside it. */
function postForm(
  parts: readonly Part[],
  urlParams: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const boundary = `----${uniqueName('form')}`;
  const body = Buffer.concat([
    ...parts.map((part) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"` +
            (part.filename === undefined ? '' : `; filename="${part.filename}"`) +
            '\r\n\r\n',
        ),
        Buffer.from(part.value),
        Buffer.from('\r\n'),
      ]),
    ),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/?${new URLSearchParams(urlParams).toString()}`, clickhouseUrl()),
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('multipart/form-data query parameters', () => {
  test('@clickhouse/client-web moves long parameters into a multipart body, and the rows are right', async () => {
    const client = createClient({ url: clickhouseUrl(), use_multipart_params_auto: true });
    try {
      // Over the client's 4096-character URL budget for parameters, so they go in the body.
      const ids = Array.from({ length: 800 }, (_, i) => `service-${String(i).padStart(4, '0')}`);
      assert.ok(JSON.stringify(ids).length > 4096);
      const result = await client.query({
        query:
          'SELECT count() AS n, min(x) AS first, max(x) AS last FROM ' +
          '(SELECT arrayJoin({ids:Array(String)}) AS x) WHERE x LIKE {prefix:String} AND length(x) = {len:UInt8}',
        query_params: { ids, prefix: 'service-07%', len: 12 },
        format: 'JSONEachRow',
      });
      assert.deepEqual(await result.json(), [{ n: '100', first: 'service-0700', last: 'service-0799' }]);
      // Short parameters stay in the URL: the same client, the same answer.
      const short = await client.query({
        query: 'SELECT {a:UInt32} + {b:UInt32} AS s',
        query_params: { a: 40, b: 2 },
        format: 'JSONEachRow',
      });
      assert.deepEqual(await short.json(), [{ s: '42' }]); // UInt64, quoted as on a server
    } finally {
      await client.close();
    }
  });

  test('form fields: query parts are joined after the URL query, param_ and settings apply, the URL keeps its param_', async () => {
    const answer = await postForm(
      [
        { name: 'query', value: 'SELECT {n:UInt32} * 2 AS doubled, {s:String} AS s, ' },
        { name: 'query', value: "getSetting('max_threads') AS threads FORMAT TSV" },
        { name: 'param_n', value: '21' },
        { name: 'param_s', value: 'from the form' },
        { name: 'max_threads', value: '3' },
      ],
      { param_s: 'from the URL' },
    );
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.body, '42\tfrom the URL\t3\n');
  });

  test('file parts are external tables beside form fields in one body', async () => {
    const answer = await postForm([
      { name: 'query', value: 'SELECT count(), sum(v) FROM rows_in WHERE v >= {min:UInt32} FORMAT TSV' },
      { name: 'param_min', value: '2' },
      { name: 'rows_in_structure', value: 'v UInt32' },
      { name: 'rows_in_format', value: 'TSV' },
      { name: 'rows_in', value: '1\n2\n3\n4\n', filename: 'rows.tsv' },
    ]);
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.body, '3\t9\n');
  });

  test('the statement policy and the setting policy see the form fields too', async () => {
    const refusedQuery = await postForm([
      { name: 'query', value: "SELECT * FROM file('/etc/hostname', 'LineAsString', 's String')" },
    ]);
    assert.ok(refusedQuery.status >= 400, refusedQuery.body);
    const deniedSetting = await postForm([
      { name: 'query', value: 'SELECT 1' },
      { name: 'format_schema', value: '/etc/hostname' },
    ]);
    assert.ok(deniedSetting.status >= 400, deniedSetting.body);
    assert.match(deniedSetting.body, /format_schema is not allowed/);
    const empty = await postForm([{ name: 'param_x', value: '1' }]);
    assert.ok(empty.status >= 400, empty.body);
    assert.match(empty.body, /Empty query/);
  });
});
