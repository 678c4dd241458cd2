/** `tributary receiver`: OTLP over gRPC and HTTP in, Kafka out. */
import type { Config } from '../core/config/options.js';
import { serveHealth } from '../core/health.js';
import { stopOnSignals } from '../core/lifecycle.js';
import { createKafka } from '../kafka/create.js';
import { kafkaSecurity } from '../kafka/security.js';
import { SIGNALS, topicFor } from '../schemas/topics.js';
import { createLogger } from '../core/log.js';
import { type SmallServer, serveMetrics } from '../core/metrics.js';
import { startTelemetry } from '../core/telemetry.js';
import { Admission } from './admission.js';
import { createAuthenticator } from './auth.js';
import { bindGrpc, createGrpcServer } from './grpc.js';
import { createHttpServer } from './http.js';
import { BODY_POOL_BYTES, BodyPool } from './http-body.js';
import { serverTls } from './tls.js';
import { createReceiverMetrics } from './metrics.js';
import { createPipeline } from './pipeline.js';
import { Publisher } from './publish.js';

export interface RunningReceiver {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly healthPort: number;
  readonly metricsPort: number;
  /** Stop accepting, let in-flight requests finish within the shutdown deadline, disconnect. */
  stop(): Promise<void>;
}

export async function startReceiver(config: Config): Promise<RunningReceiver> {
  const log = createLogger({ component: 'receiver' });
  const tls = serverTls(config); // before anything starts: bad TLS files stop start-up
  const telemetry = startTelemetry(config, 'tributary-receiver'); // before the metrics: they export through it
  const metrics = createReceiverMetrics();
  const kafka = createKafka({
    brokers: config['kafka.brokers'],
    clientId: `${config['kafka.clientId']}-receiver`,
    log,
    security: kafkaSecurity(config),
  });
  const topics = [...new Set(SIGNALS.map((s) => topicFor(config, s)))]; // signals may share a topic
  const publisher = new Publisher({
    kafka,
    topics,
    compression: config['receiver.compression'],
    partitioner: config['receiver.partitioner'],
    produceTimeoutMs: config['receiver.produceTimeoutMs'],
    maxInflightBytes: config['receiver.maxInflightBytes'],
    maxPartitionBatchBytes: config['receiver.maxRecordBytes'],
    unreadyAfterMs: config['receiver.unreadyAfterMs'],
    log,
  });
  await publisher.start();
  const deps = {
    config,
    bodies: new BodyPool(BODY_POOL_BYTES),
    pipeline: createPipeline(config, publisher),
    auth: createAuthenticator(config['receiver.apiKeys']),
    admission: new Admission(config, () => publisher.checkBacklog()),
    metrics,
    log,
    tls,
  };
  const host = config['receiver.host'];
  const http = createHttpServer(deps);
  await http.listen({ port: config['receiver.httpPort'], host });
  const httpAddress = http.server.address();
  const httpPort =
    typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config['receiver.httpPort'];
  const grpc = createGrpcServer(deps);
  const grpcPort = await bindGrpc(grpc, host, config['receiver.grpcPort'], tls);
  const health = await serveHealth(config['receiver.healthPort'], host, () => publisher.readiness());
  let metricsServer: SmallServer | undefined;
  const gaugeTimer = setInterval(() => metrics.inflightBytes.set(publisher.bytesInFlight), 1000);
  gaugeTimer.unref();
  if (config['receiver.metricsPort'] > 0)
    metricsServer = await serveMetrics(metrics.registry, config['receiver.metricsPort'], host);
  metrics.registry.markReady();
  log.info('receiver ready', {
    httpPort,
    grpcPort,
    tls: tls ? (tls.clientCa ? 'mutual' : 'on') : 'off',
    healthPort: health.port,
    metricsPort: metricsServer?.port ?? 0,
    topics,
  });

  let stopped: Promise<void> | undefined;
  return {
    httpPort,
    grpcPort,
    healthPort: health.port,
    metricsPort: metricsServer?.port ?? 0,
    stop() {
      stopped ??= (async () => {
        clearInterval(gaugeTimer);
        const deadline = config['receiver.shutdownTimeoutMs'];
        const grpcDone = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            grpc.forceShutdown();
            resolve();
          }, deadline);
          grpc.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        // fastify close waits for in-flight requests; bound it by the same deadline.
        const httpDone = Promise.race([
          http.close(),
          new Promise<void>((r) => setTimeout(r, deadline).unref()),
        ]);
        await Promise.all([grpcDone, httpDone]);
        await publisher.close();
        await Promise.allSettled([health.close(), metricsServer?.close()]);
        await metrics.registry.shutdown();
        await telemetry.shutdown();
        log.info('receiver stopped');
      })();
      return stopped;
    },
  };
}

export async function runReceiver(config: Config): Promise<void> {
  const receiver = await startReceiver(config);
  stopOnSignals(
    () => receiver.stop(),
    createLogger({ component: 'receiver' }),
    config['receiver.shutdownTimeoutMs'] + 5_000,
  );
}
