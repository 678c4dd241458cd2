/**
 * The local ClickHouse server reads compressed request bodies as a real server does:
 * `Content-Encoding: lz4` (LZ4 frames) and `decompress=1` (ClickHouse's compressed blocks: LZ4, ZSTD
 * or none, each with its CityHash128 checksum), and refuses a corrupt body with ClickHouse's error.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { cityHash128 } from '../../deploy/local/clickhouse/cityhash102.js';
import { clickhouseUrl, uniqueName } from '../harness/env.js';

const require = createRequire(import.meta.url);
const lz4 = require('lz4-napi') as {
  compressSync(data: Buffer): Buffer;
  compressFrameSync(data: Buffer, options?: { contentChecksum?: boolean; blockChecksums?: boolean }): Buffer;
};

const NONE = 0x02;
const LZ4 = 0x82;
const ZSTD = 0x90;

/** One compressed block as ClickHouse's CompressedWriteBuffer writes it. */
function block(method: number, data: Buffer): Buffer {
  const payload =
    method === LZ4
      ? lz4.compressSync(data).subarray(4) // lz4-napi prefixes the size; a block carries it in its header
      : method === ZSTD
        ? zstdCompressSync(data)
        : data;
  const out = Buffer.alloc(25 + payload.length);
  out[16] = method;
  out.writeUInt32LE(9 + payload.length, 17);
  out.writeUInt32LE(data.length, 21);
  payload.copy(out, 25);
  cityHash128(out.subarray(16)).copy(out, 0);
  return out;
}

/** `data` cut into blocks of at most `size` bytes, each compressed with `method`. */
function blocks(method: number, data: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) parts.push(block(method, data.subarray(at, at + size)));
  return Buffer.concat(parts);
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly code: string | null;
}

async function post(
  body: Buffer,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const url = new URL(clickhouseUrl());
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const response = await fetch(url, { method: 'POST', body, headers });
  return {
    status: response.status,
    text: await response.text(),
    code: response.headers.get('x-clickhouse-exception-code'),
  };
}

/** Rows of the bench's kind: text that compresses, as RowBinary-ish JSON lines. */
function rows(count: number, from = 0): Buffer {
  const lines: string[] = [];
  for (let i = from; i < from + count; i++)
    lines.push(JSON.stringify({ n: i, s: `service-${i % 7} span ${i} ${'attribute '.repeat(i % 13)}` }));
  return Buffer.from(lines.join('\n') + '\n');
}

describe('local ClickHouse server: compressed request bodies', () => {
  let client: ClickHouseClient;
  const table = uniqueName('cb');
  const insert = (format = 'JSONEachRow'): Record<string, string> => ({
    query: `INSERT INTO ${table} FORMAT ${format}`,
  });
  const count = async (): Promise<{ rows: string; total: string }> => {
    const result = await client.query({
      query: `SELECT toString(count()) AS rows, toString(sum(n)) AS total FROM ${table}`,
      format: 'JSONEachRow',
    });
    return (await result.json<{ rows: string; total: string }>())[0]!;
  };

  before(async () => {
    client = createClient({ url: clickhouseUrl() });
    await client.command({
      query: `CREATE TABLE ${table} (n UInt32, s String) ENGINE = MergeTree ORDER BY n`,
    });
  });
  after(async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.close();
  });

  test('an LZ4 block of "SELECT 1\\n", checked and with checksums off', async () => {
    const head = Buffer.from('82130000000900000090', 'hex');
    const sql = Buffer.from('SELECT 1\n');
    const checked = await post(
      Buffer.concat([Buffer.from('507432f259e98adb37c64aa7fb22c439', 'hex'), head, sql]),
      { decompress: '1' },
    );
    assert.deepEqual([checked.status, checked.text], [200, '1\n']);
    const unchecked = await post(Buffer.concat([Buffer.from('xxxxxxxxxxxxxxxx'), head, sql]), {
      decompress: '1',
      http_native_compression_disable_checksumming_on_decompress: '1',
    });
    assert.deepEqual([unchecked.status, unchecked.text], [200, '1\n']);
  });

  test('an insert round-trips in LZ4, ZSTD and uncompressed blocks, and as an LZ4 frame', async () => {
    const expected = (from: number, n: number): bigint => {
      let sum = 0n;
      for (let i = from; i < from + n; i++) sum += BigInt(i);
      return sum;
    };
    let total = 0;
    let sum = 0n;
    for (const [i, method] of [LZ4, ZSTD, NONE].entries()) {
      // Rows differ per body: the local engine, like a server with a dedup window, drops a repeated block.
      const answer = await post(blocks(method, rows(3000, i * 3000), 64 * 1024), {
        ...insert(),
        decompress: '1',
      });
      assert.equal(answer.status, 200, answer.text);
      total += 3000;
      sum += expected(i * 3000, 3000);
      assert.deepEqual(
        await count(),
        { rows: String(total), total: String(sum) },
        `method 0x${method.toString(16)}`,
      );
    }
    for (const [i, options] of [{}, { contentChecksum: true, blockChecksums: true }].entries()) {
      const from = 10_000 + i * 2000;
      const frame = lz4.compressFrameSync(rows(2000, from), options);
      assert.ok(frame.length < rows(2000, from).length / 2, 'the frame is compressed');
      const answer = await post(frame, insert(), { 'Content-Encoding': 'lz4' });
      assert.equal(answer.status, 200, answer.text);
      total += 2000;
      sum += expected(from, 2000);
      assert.deepEqual(await count(), { rows: String(total), total: String(sum) });
    }
    // Both at once, as a server reads them: Content-Encoding first, then the blocks.
    const both = lz4.compressFrameSync(blocks(LZ4, rows(10, 20_000), 1024));
    const answer = await post(both, { ...insert(), decompress: '1' }, { 'Content-Encoding': 'lz4' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await count()).rows, String(total + 10));
  });

  test('blocks written by the ClickHouse engine itself are read back', async () => {
    // A TinyLog column file is a run of compressed blocks (CompressedWriteBuffer); its checksums were
    // computed by ClickHouse, not by this project's code.
    const { Session } = require('chdb') as {
      Session: new (path: string) => { query(sql: string, format?: string): string; cleanup?(): void };
    };
    const dir = mkdtempSync(join(tmpdir(), 'cb-engine-'));
    try {
      const session = new Session(dir);
      for (const [name, codec] of [
        ['lz4', ''],
        ['zstd', ' CODEC(ZSTD(1))'],
        ['none', ' CODEC(NONE)'],
      ] as const) {
        session.query(`CREATE TABLE t_${name} (s String${codec}) ENGINE = TinyLog`);
        session.query(
          `INSERT INTO t_${name} SELECT concat(toString(number), ':', repeat('x', number % 200)) FROM numbers(20000)`,
        );
      }
      const files: string[] = [];
      const walk = (path: string): void => {
        for (const entry of readdirSync(path)) {
          const full = join(path, entry);
          if (statSync(full).isDirectory()) walk(full);
          else if (entry === 's.bin') files.push(full);
        }
      };
      walk(join(dir, 'store'));
      assert.equal(files.length, 3);
      for (const file of files) {
        // The column's String serialization (varint length + bytes per row) as one body of TSV-free
        // RowBinary: a one-column table reads it with FORMAT RowBinary.
        const target = uniqueName('cbe');
        await client.command({
          query: `CREATE TABLE ${target} (s String) ENGINE = MergeTree ORDER BY tuple()`,
        });
        const answer = await post(readFileSync(file), {
          query: `INSERT INTO ${target} FORMAT RowBinary`,
          decompress: '1',
        });
        assert.equal(answer.status, 200, answer.text);
        const result = await client.query({
          query: `SELECT toString(count()) AS n, toString(sum(length(s))) AS bytes FROM ${target}`,
          format: 'JSONEachRow',
        });
        const [got] = await result.json<{ n: string; bytes: string }>();
        // The three tables hold the same rows.
        const want = session.query(
          'SELECT toString(count()) AS n, toString(sum(length(s))) AS bytes FROM t_lz4',
          'JSONEachRow',
        );
        assert.deepEqual(got, JSON.parse(want), file);
        await client.command({ query: `DROP TABLE ${target}` });
      }
      session.cleanup?.();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a corrupt body is refused with the error a server gives, and nothing is inserted', async () => {
    const before = await count();
    const good = blocks(LZ4, rows(500), 16 * 1024);
    const flipped = Buffer.from(good);
    flipped[40]! ^= 0x01; // a data byte of the first block
    const checksum = await post(flipped, { ...insert(), decompress: '1' });
    assert.equal(checksum.code, '40');
    assert.match(
      checksum.text,
      /Code: 40\. DB::Exception: Checksum doesn't match: corrupted data\. Reference: [0-9a-f]{32}\. Actual: [0-9a-f]{32}\. Size of compressed block: \d+.*\(CHECKSUM_DOESNT_MATCH\)/,
    );

    const truncated = await post(good.subarray(0, good.length - 10), { ...insert(), decompress: '1' });
    assert.equal(truncated.code, '33');
    assert.match(truncated.text, /Cannot read all data/);

    const mixed = Buffer.concat([block(LZ4, rows(5)), block(ZSTD, rows(5, 5))]);
    const methods = await post(mixed, { ...insert(), decompress: '1' });
    assert.equal(methods.code, '271');
    assert.match(
      methods.text,
      /Data compressed with different methods, given method byte 0x90, previous method byte 0x82/,
    );

    const unknown = Buffer.from(block(LZ4, rows(5)));
    unknown[16] = 0x77;
    cityHash128(unknown.subarray(16)).copy(unknown, 0);
    const codec = await post(unknown, { ...insert(), decompress: '1' });
    assert.equal(codec.code, '432');

    // An LZ4 block whose checksum is right but whose data is not LZ4 (checksums off, as a client may ask).
    const garbage = Buffer.from(block(NONE, Buffer.alloc(64, 0xf0)));
    garbage[16] = LZ4;
    const undecodable = await post(garbage, {
      ...insert(),
      decompress: '1',
      http_native_compression_disable_checksumming_on_decompress: '1',
    });
    assert.equal(undecodable.code, '271');
    assert.match(undecodable.text, /Cannot decompress/);

    const frame = lz4.compressFrameSync(rows(500), { contentChecksum: true });
    frame[frame.length - 1]! ^= 0xff; // the content checksum
    const badFrame = await post(frame, insert(), { 'Content-Encoding': 'lz4' });
    assert.equal(badFrame.code, '618');
    assert.match(badFrame.text, /LZ4 decompression failed.*\(LZ4_DECODER_FAILED\)/);
    const notAFrame = await post(rows(5), insert(), { 'Content-Encoding': 'lz4' });
    assert.equal(notAFrame.code, '618');

    assert.deepEqual(await count(), before, 'nothing of a refused body was inserted');
  });

  test('an LZ4 frame that would inflate past the body limit is refused from its framing', async () => {
    // 4 MiB blocks of one repeated byte: a few KiB on the wire. The local server allows 1 GiB, so this
    // checks the bound by asking for ~1.1 GiB of declared blocks.
    const block4m = lz4.compressFrameSync(Buffer.alloc(4 * 1024 * 1024, 0x61));
    const frames = Buffer.concat(Array.from({ length: 260 }, () => block4m));
    const answer = await post(frames, insert(), { 'Content-Encoding': 'lz4' });
    assert.equal(answer.code, '307', answer.text);
  });
});
