/**
 * `tributary dev`: the embedded default stack on one machine. Starts what the user did not point
 * elsewhere (Kafka unless kafka.brokers is set, the local ClickHouse unless clickhouse.url is set),
 * creates topics and tables, then runs a receiver and a writer as child processes. Ctrl-C, or any
 * child dying, stops everything: no process outlives `dev`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { LoadedConfig } from '../../core/config/load.js';
import { type ConfigKey, configSchema, envName } from '../../core/config/options.js';
import { clickhouseFromConfig } from '../../core/clickhouse.js';
import { selfCommand } from '../../core/self.js';
import { TributaryError, errorMessage } from '../../core/errors.js';
import { stopOnSignals } from '../../core/lifecycle.js';
import { createLogger } from '../../core/log.js';
import { explicitRetention, migrate, schemaRetention } from '../../schemas/migrate.js';
import { clickStackBannerLine } from './clickhouse/clickstack-ui.js';
import { type LocalClickHouse, startClickHouse } from './clickhouse/process.js';
import { type LocalKafka, startKafka } from './kafka/runner.js';
import { ensureTopics, topicNames } from './kafka/topics.js';
import { statusCommand } from './status-command.js';

const say = (line: string): void => {
  process.stdout.write(`[dev] ${line}\n`);
};

/** Environment for the children: the user's explicit choices (flags too) plus the local endpoints. */
function childEnv(
  loaded: LoadedConfig,
  brokers: readonly string[],
  clickhouseUrl: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(configSchema) as ConfigKey[]) {
    if (loaded.sources[key] === 'flag' || loaded.sources[key] === 'override') {
      const value = loaded.config[key];
      env[envName(key)] = Array.isArray(value) ? value.join(',') : String(value);
    }
  }
  env[envName('kafka.brokers')] = brokers.join(',');
  env[envName('clickhouse.url')] = clickhouseUrl;
  // Browser SDKs and session replays post cross-origin: locally any origin may, unless the user
  // chose an allow-list. Production (`tributary receiver`) keeps CORS off until origins are listed.
  if (loaded.sources['receiver.corsOrigins'] === 'default') env[envName('receiver.corsOrigins')] = '*';
  const self = selfTelemetry(loaded);
  if (self) {
    env[envName('telemetry.otlpEndpoint')] = self.endpoint;
    if (self.authorization) env[envName('telemetry.otlpHeaders')] = `authorization=${self.authorization}`;
  }
  return env;
}

/**
 * Where `dev` sends the receiver's and writer's own telemetry: into its own receiver (so it lands in
 * ClickHouse beside everything else), unless the user chose an endpoint, or `off`. Not over TLS
 * (the exporter would need the private CA) nor to port 0 (unknown until the receiver listens).
 */
function selfTelemetry(loaded: LoadedConfig): { endpoint: string; authorization?: string } | undefined {
  const { config, sources } = loaded;
  if (sources['telemetry.otlpEndpoint'] !== 'default') return undefined;
  if (config['receiver.tlsCertFile'] || config['receiver.httpPort'] === 0) return undefined;
  const host = config['receiver.host'] === '0.0.0.0' ? '127.0.0.1' : config['receiver.host'];
  const key = config['receiver.apiKeys'][0];
  return {
    endpoint: `http://${host}:${config['receiver.httpPort']}`,
    ...(key && sources['telemetry.otlpHeaders'] === 'default' ? { authorization: key } : {}),
  };
}

/** Polls a health URL until it answers 200 (a port of 0 cannot be polled: skipped). */
async function waitForHealth(url: string, cancelled: () => boolean, timeoutMs = 90_000): Promise<void> {
  if (/:0\//.test(url)) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !cancelled()) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!cancelled()) throw new Error(`${url} did not become healthy within ${timeoutMs / 1000} s`);
}

export async function runDev(loaded: LoadedConfig): Promise<void> {
  const { config, sources } = loaded;
  const log = createLogger({ component: 'dev' });
  const stateDir = resolve(config.stateDir);
  const started = Date.now();
  let kafka: LocalKafka | undefined;
  let clickhouse: LocalClickHouse | undefined;
  const children: ChildProcess[] = [];
  let stopping: Promise<void> | undefined;

  const stopAll = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      say(`stopping (${reason})`);
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
            }),
        ),
      );
      await Promise.allSettled([clickhouse?.stop(), kafka?.stop()]);
      say('stopped');
    })();
    return stopping;
  };
  // One Ctrl-C stops everything once: the children run in their own process groups (below), so the
  // terminal's SIGINT reaches only `dev`, which sends each child exactly one SIGTERM.
  stopOnSignals(() => stopAll('Ctrl-C or SIGTERM'), log, 60_000);

  try {
    let brokers = config['kafka.brokers'];
    if (sources['kafka.brokers'] === 'default') {
      say(
        `starting Kafka ${config['kafka.version']} (${config['kafka.brokerCount']} broker(s)) in ${stateDir}/kafka`,
      );
      kafka = await startKafka({
        dataDir: resolve(stateDir, 'kafka'),
        port: config['kafka.port'],
        brokerCount: config['kafka.brokerCount'],
        version: config['kafka.version'],
        onProgress: (line) => say(`kafka: ${line}`),
      });
      brokers = kafka.brokers;
    } else {
      say(`using Kafka at ${brokers.join(',')}`);
    }
    await ensureTopics(
      brokers,
      topicNames(config, { withDlq: true }),
      config['kafka.partitions'],
      config['kafka.replicationFactor'],
    );
    say(`topics ready: ${topicNames(config, { withDlq: false }).join(', ')} (+ .dlq)`);

    let clickhouseUrl = config['clickhouse.url'];
    if (sources['clickhouse.url'] === 'default') {
      say(
        `starting the local ClickHouse (chdb) on ${config['clickhouse.host']}:${config['clickhouse.port']}`,
      );
      clickhouse = await startClickHouse({
        dataDir: config['clickhouse.dataDir'] || resolve(stateDir, 'clickhouse'),
        port: config['clickhouse.port'],
        host: config['clickhouse.host'],
        dedupWindow: config['clickhouse.dedupWindow'],
        user: config['clickhouse.user'],
        password: config['clickhouse.password'],
        allowedOrigins: config['clickhouse.allowedOrigins'],
        allowedHosts: config['clickhouse.allowedHosts'],
      });
      clickhouseUrl = clickhouse.url;
    } else {
      say(`using ClickHouse at ${clickhouseUrl}`);
    }
    const client = clickhouseFromConfig(config, { url: clickhouseUrl, database: 'default' });
    try {
      await migrate(client, {
        database: config['clickhouse.database'],
        ttlDays: config['schema.ttlDays'],
        ttl: schemaRetention(config),
        attributes: config['schema.attributes'],
        cluster: config['schema.cluster'],
        dedupWindow: config['clickhouse.dedupWindow'],
        explicitRetention: explicitRetention(sources),
        log,
      });
    } catch (err) {
      // One line that names the endpoint and the flag, instead of a client stack trace.
      throw new TributaryError(
        'CLICKHOUSE_UNAVAILABLE',
        `cannot create the tables in ClickHouse at ${clickhouseUrl}: ${errorMessage(err)}` +
          (sources['clickhouse.url'] === 'default'
            ? ''
            : ' (check --clickhouse-url / TRIBUTARY_CLICKHOUSE_URL)'),
        { cause: err },
      );
    } finally {
      await client.close();
    }
    say(`tables ready in database ${config['clickhouse.database']}`);

    const env = childEnv(loaded, brokers, clickhouseUrl);
    const self = selfCommand();
    for (const role of ['receiver', 'writer'] as const) {
      const child = spawn(self.command, [...self.args, role], {
        env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'], // ipc: the child stops if dev dies (lifecycle.ts)
        detached: true, // own process group: a terminal Ctrl-C reaches dev only (see stopOnSignals above)
      });
      child.channel?.unref(); // only tells the child when dev is gone
      child.once('exit', (code, signal) => {
        if (!stopping)
          void stopAll(`${role} exited (${signal ?? code ?? 'unknown'})`).then(() => process.exit(1));
      });
      children.push(child);
    }
    process.once('exit', () => {
      for (const child of children) child.kill('SIGKILL');
    });

    const host = config['receiver.host'] === '0.0.0.0' ? '127.0.0.1' : config['receiver.host'];
    say('waiting for the receiver and the writer');
    await Promise.all([
      waitForHealth(`http://${host}:${config['receiver.healthPort']}/ready`, () => stopping !== undefined),
      waitForHealth(`http://127.0.0.1:${config['writer.healthPort']}/`, () => stopping !== undefined),
    ]);
    const clickStack = await clickStackBannerLine(
      clickhouseUrl,
      config['clickhouse.user'],
      config['clickhouse.password'] !== '',
    );
    say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    say(`  OTLP/gRPC   ${host}:${config['receiver.grpcPort']}`);
    say(`  OTLP/HTTP   http://${host}:${config['receiver.httpPort']}/v1/{traces,metrics,logs}`);
    say(`  Kafka       ${brokers.join(',')}`);
    say(`  ClickHouse  ${clickhouseUrl} (database ${config['clickhouse.database']})`);
    say(clickStack);
    say(`  status      ${statusCommand(config, { brokers, clickhouseUrl, host })}`);
    say(
      sources['receiver.corsOrigins'] === 'default'
        ? '  CORS        any origin (dev default; --receiver-cors-origins <list> restricts it)'
        : `  CORS        ${config['receiver.corsOrigins'].join(', ') || 'off'}`,
    );
    const own = selfTelemetry(loaded);
    say(
      own
        ? `  own telemetry → ${own.endpoint} (ServiceName tributary-receiver / tributary-writer)`
        : `  own telemetry → ${config['telemetry.otlpEndpoint'] || 'off'}`,
    );
    say('try:');
    say(
      `  curl -s http://${host}:${config['receiver.httpPort']}/v1/logs -H 'content-type: application/json' -d '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"demo"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"${Date.now()}000000","body":{"stringValue":"hello"}}]}]}]}'`,
    );
    say(
      `  curl -s '${clickhouseUrl}/?query=SELECT+ServiceName,Body+FROM+${config['clickhouse.database']}.otel_logs+FORMAT+PrettyCompact'`,
    );
    say('Ctrl-C stops everything.');
  } catch (err) {
    await stopAll('start-up failed');
    throw err;
  }
  await new Promise<never>(() => undefined); // run until a signal or a child exit ends the process
}
