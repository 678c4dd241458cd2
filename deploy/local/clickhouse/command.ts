/** `tributary clickhouse`: serve a chdb data directory over the ClickHouse HTTP interface. */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Config } from '../../../core/config/options.js';
import { stopOnSignals } from '../../../core/lifecycle.js';
import { createLogger } from '../../../core/log.js';
import { Engine } from './engine.js';
import { createClickHouseHttpServer } from './server.js';

export async function runClickHouseCommand(config: Config): Promise<void> {
  const log = createLogger({ component: 'clickhouse' });
  const dataDir = resolve(config['clickhouse.dataDir'] || join(config.stateDir, 'clickhouse'));
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  const engine = await Engine.open(dataDir, {
    dedupWindow: config['clickhouse.dedupWindow'],
    maxPending: 1000,
  });
  const server = createClickHouseHttpServer({
    engine,
    tmpDir: join(dataDir, 'tmp-inserts'),
    user: config['clickhouse.user'],
    password: config['clickhouse.password'],
    maxBodyBytes: 1024 * 1024 * 1024,
    log,
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(config['clickhouse.port'], config['clickhouse.host'], done);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config['clickhouse.host']}:${port}`;
  // Machine-readable: the process runner reads the port from this line (port 0 = any).
  process.stdout.write(`listening ${url}\n`);
  log.info('local ClickHouse ready', { url, dataDir, startMs: Date.now() - started });
  stopOnSignals(
    async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      await engine.close();
    },
    log,
    20_000,
  );
}
