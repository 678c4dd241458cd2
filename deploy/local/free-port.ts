/**
 * Ports for listeners the local stack and the tests start: free now, and outside the kernel's
 * ephemeral range. A port the kernel hands out for `listen(0)` comes from that same range, which
 * every outgoing connection also draws its local port from; between our probe and the real bind a
 * client connection (a Kafka admin client, an HTTP poll) could take it, and the listener then fails
 * with EADDRINUSE (seen in CI: the local ClickHouse lost its port to a connection made while Kafka
 * started). Ports below the range are only ever taken by listeners.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';
const LOWEST = 10_000;
/** Linux's default range, when /proc cannot be read. */
const DEFAULT_EPHEMERAL_LOW = 32_768;

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const value = Number(low);
    return Number.isInteger(value) && value > LOWEST + 1000 ? value : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/** True when a listener can bind the port on the loopback address now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** Handed out by this process already: two callers asking before either binds get different ports. */
const given = new Set<number>();

/** A random free port below the ephemeral range. */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if (given.has(port)) continue;
    if (await portIsFree(port)) {
      given.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOWEST} and ${high} after 1000 tries`);
}

/** The first of `count` consecutive free ports (brokers listen on port, port + 1, ...). */
export async function freePortRange(count: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    let free = true;
    for (let i = 1; i < count && free; i++) free = !given.has(base + i) && (await portIsFree(base + i));
    if (free) {
      for (let i = 1; i < count; i++) given.add(base + i);
      return base;
    }
  }
}
