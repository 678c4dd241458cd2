/** The bench's counting proxy forwards to a real HTTP server and counts the bytes each way. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { countingProxy } from '../../../bench/lib/counting-proxy.js';

test('a request through the proxy is answered, and its bytes are counted each way', async () => {
  const answer = Buffer.alloc(1000, 'a');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(Buffer.concat([answer, Buffer.from(String(Buffer.concat(chunks).length))])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = await countingProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const body = Buffer.alloc(100_000, 'b');
    const response = await fetch(proxy.url, { method: 'POST', body });
    const text = await response.text();
    assert.equal(text.slice(1000), '100000', 'the server got the whole body');
    const { sent, received } = proxy.counts();
    assert.ok(sent >= body.length && sent < body.length + 1000, `sent ${sent}: the body and its headers`);
    assert.ok(received >= answer.length && received < answer.length + 1000, `received ${received}`);
  } finally {
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
