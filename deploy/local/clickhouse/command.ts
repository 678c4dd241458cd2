/** `tributary clickhouse`: serve a chdb data directory over the ClickHouse HTTP interface. */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Config } from '../../../core/config/options.js';
import { TributaryError } from '../../../core/errors.js';
import { stopOnSignals } from '../../../core/lifecycle.js';
import { createLogger } from '../../../core/log.js';
import { loadedEngineLibrary, openClickStackUi } from './clickstack-ui.js';
import { NoEmbeddedFiles } from './embedded-files.js';
import { Engine } from './engine.js';
import { EXTERNAL_DATABASE_SETUP } from './external-data.js';
import { createRequestGuard, isLoopbackHost } from './request-guard.js';
import { createClickHouseHttpServer } from './server.js';
import { SqlPolicy } from './sql-policy.js';

export async function runClickHouseCommand(config: Config): Promise<void> {
  const log = createLogger({ component: 'clickhouse' });
  const host = config['clickhouse.host'];
  // Reachable from other machines, the engine (with this account's rights) needs a password.
  if (!isLoopbackHost(host) && config['clickhouse.password'] === '')
    throw new TributaryError(
      'CONFIG_INVALID',
      `config clickhouse.host: ${host} is not a loopback address; the local ClickHouse server listens beyond this machine only with a password (TRIBUTARY_CLICKHOUSE_PASSWORD or TRIBUTARY_CLICKHOUSE_PASSWORD_FILE)`,
    );
  const dataDir = resolve(config['clickhouse.dataDir'] || join(config.stateDir, 'clickhouse'));
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  const engine = await Engine.open(dataDir, {
    dedupWindow: config['clickhouse.dedupWindow'],
    maxPending: 1000,
  });
  // The engine's own list of table functions: every one not known to be safe is refused.
  const functions = await engine.run({
    sql: 'SELECT name FROM system.table_functions',
    format: 'TSV',
    database: 'default',
    settings: {},
    params: {},
  });
  for (const sql of EXTERNAL_DATABASE_SETUP)
    await engine.run({ sql, format: 'TSV', database: 'default', settings: {}, params: {} });
  // Found in the background: the server answers queries at once, UI requests once the files are found.
  const ui = openClickStackUi(loadedEngineLibrary());
  const licence = await engine.run({
    sql: "SELECT license_type FROM system.licenses WHERE library_name = 'clickstack'",
    format: 'TSV',
    database: 'default',
    settings: {},
    params: {},
  });
  const policy = new SqlPolicy(Buffer.from(functions.body).toString('utf8').split('\n').filter(Boolean));
  const server = createClickHouseHttpServer({
    engine,
    tmpDir: join(dataDir, 'tmp-inserts'),
    user: config['clickhouse.user'],
    password: config['clickhouse.password'],
    maxBodyBytes: 1024 * 1024 * 1024,
    log,
    policy,
    ui,
    guard: createRequestGuard({
      listenHost: host,
      allowedOrigins: config['clickhouse.allowedOrigins'],
      allowedHosts: config['clickhouse.allowedHosts'],
    }),
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(config['clickhouse.port'], host, done);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // Machine-readable: the process runner reads the port from this line (port 0 = any).
  process.stdout.write(`listening ${url}\n`);
  log.info('local ClickHouse ready', { url, dataDir, startMs: Date.now() - started });
  void ui.ready.then((info) => {
    if (info instanceof NoEmbeddedFiles)
      log.warn('the ClickStack UI is not served: this chdb build does not carry its files', {
        reason: info.message,
      });
    else
      log.info('ClickStack UI ready', {
        url: `${url}/clickstack`,
        hyperdx: info.version,
        licence: Buffer.from(licence.body).toString('utf8').trim() || 'unknown',
        files: info.files,
      });
  });
  stopOnSignals(
    async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      await ui.close();
      await engine.close();
    },
    log,
    20_000,
  );
}
