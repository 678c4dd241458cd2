/**
 * A TCP proxy in front of the ClickHouse server that counts the bytes each way: a writer pointed at
 * it shows what it sends over the wire (HTTP headers, bodies compressed or not, its small state
 * queries), whatever its language or client. The counts are of the TCP payload, as a network meter
 * between the writer and a remote server would see them (before TLS, which the bench does not use).
 */
import { type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ByteCounts {
  /** Writer → ClickHouse. */
  readonly sent: number;
  /** ClickHouse → writer. */
  readonly received: number;
}

export interface CountingProxy {
  /** `http://127.0.0.1:<port>`: give this to the writer instead of the server's URL. */
  readonly url: string;
  counts(): ByteCounts;
  close(): Promise<void>;
}

export async function countingProxy(targetUrl: string): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || 80);
  let sent = 0;
  let received = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, target.hostname);
    open.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ sent, received }),
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
