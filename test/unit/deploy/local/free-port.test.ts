import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freePort, freePortRange, portIsFree } from '../../../../deploy/local/free-port.js';

const ephemeralLow = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
);

test('free ports lie below the ephemeral range, differ from each other and can be bound', async () => {
  const ports = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    assert.ok(port >= 10_000 && port < ephemeralLow, `${port} is below ${ephemeralLow}`);
    assert.ok(!ports.has(port), `port ${port} handed out twice`);
    ports.add(port);
  }
  const port = [...ports][0] ?? 0;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  assert.equal(await portIsFree(port), false);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('a range of free ports is consecutive and every port in it is free', async () => {
  const base = await freePortRange(3);
  for (let i = 0; i < 3; i++) assert.equal(await portIsFree(base + i), true);
});
