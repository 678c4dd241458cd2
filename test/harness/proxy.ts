/**
 * A TCP proxy in front of a real server that a test can take down and bring back: while down it
 * drops every open connection and resets new ones at once, as a crashed or unreachable server would.
 */
import { type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface OutageProxy {
  readonly port: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function outageProxy(targetHost: string, targetPort: number): Promise<OutageProxy> {
  let isDown = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    open.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    down() {
      isDown = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    up() {
      isDown = false;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
