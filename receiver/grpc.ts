/**
 * OTLP/gRPC: the three Export services, defined by hand so request messages arrive as raw bytes:
 * they are validated by the wire walk and forwarded unchanged when they fit a record.
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import type { Config } from '../core/config/options.js';
import type { Logger } from '../core/log.js';
import { SELF_TELEMETRY_HEADER, startRequestSpan } from '../core/telemetry.js';
import { type Signal, encodeResponse } from '../schemas/otlp/codec.js';
import type { Authenticator } from './auth.js';
import type { ReceiverMetrics } from './metrics.js';
import type { Pipeline } from './pipeline.js';
import { RETRY_AFTER_SECONDS, asTributaryError } from './respond.js';
import type { ServerTls } from './tls.js';

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

const identity = (b: Buffer): Buffer => b;

const GRPC_STATUS: Record<number, status> = {
  [status.INVALID_ARGUMENT]: status.INVALID_ARGUMENT,
  [status.RESOURCE_EXHAUSTED]: status.RESOURCE_EXHAUSTED,
  [status.UNAVAILABLE]: status.UNAVAILABLE,
  [status.UNAUTHENTICATED]: status.UNAUTHENTICATED,
  [status.UNIMPLEMENTED]: status.UNIMPLEMENTED,
  [status.INTERNAL]: status.INTERNAL,
};

function serviceFor(signal: Signal): ServiceDefinition {
  return {
    Export: {
      path: SERVICES[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

function metadataOf(metadata: Metadata, name: string): string | undefined {
  const value = metadata.get(name)[0];
  return typeof value === 'string' ? value : value?.toString('utf8');
}

export interface GrpcDeps {
  readonly config: Config;
  readonly pipeline: Pipeline;
  readonly auth: Authenticator;
  readonly metrics: ReceiverMetrics;
  readonly log: Logger;
}

/** google.rpc.RetryInfo {retry_delay: Duration{seconds}} inside a google.rpc.Status, for the trailer. */
function retryDetails(code: number, message: string, seconds: number): Buffer {
  const duration = Buffer.from([0x08, seconds]);
  const retryInfo = Buffer.concat([Buffer.from([0x0a, duration.length]), duration]);
  const typeUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo');
  const any = Buffer.concat([
    Buffer.from([0x0a, typeUrl.length]),
    typeUrl,
    Buffer.from([0x12, retryInfo.length]),
    retryInfo,
  ]);
  const text = Buffer.from(message.slice(0, 100));
  return Buffer.concat([
    Buffer.from([0x08, code]),
    Buffer.from([0x12, text.length]),
    text,
    Buffer.from([0x1a, any.length]),
    any,
  ]);
}

export function createGrpcServer(deps: GrpcDeps): Server {
  const { config, pipeline, auth, metrics, log } = deps;
  const server = new Server({
    'grpc.max_receive_message_length': config['receiver.maxBodyBytes'],
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  for (const signal of Object.keys(SERVICES) as Signal[]) {
    server.addService(serviceFor(signal), {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        const started = process.hrtime.bigint();
        const span = startRequestSpan({
          transport: 'grpc',
          signal,
          route: SERVICES[signal],
          header: (h) => metadataOf(call.metadata, h),
        });
        const run = async (): Promise<void> => {
          const header = call.metadata.get('authorization')[0];
          const keyId = auth.check(typeof header === 'string' ? header : header?.toString('utf8'));
          const result = await span.run(() =>
            pipeline.ingest(signal, call.request, {
              keyId,
              selfTelemetry: metadataOf(call.metadata, SELF_TELEMETRY_HEADER) !== undefined,
            }),
          );
          span.ok(result);
          metrics.requests.inc({ signal, transport: 'grpc', outcome: 'ok' });
          metrics.items.inc({ signal, transport: 'grpc' }, result.items);
          metrics.bytes.inc({ signal, transport: 'grpc' }, call.request.length);
          metrics.records.inc({ signal }, result.records);
          metrics.produceSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9, { signal });
          callback(null, Buffer.from(encodeResponse(signal, 0, '')));
        };
        run().catch((err: unknown) => {
          const error = asTributaryError(err, log);
          span.fail(error);
          metrics.requests.inc({ signal, transport: 'grpc', outcome: error.code });
          const trailer = new Metadata();
          const retryAfter = RETRY_AFTER_SECONDS[error.code];
          if (retryAfter)
            trailer.set('grpc-status-details-bin', retryDetails(error.grpcStatus, error.message, retryAfter));
          callback({
            code: GRPC_STATUS[error.grpcStatus] ?? status.INTERNAL,
            details: error.message,
            metadata: trailer,
          });
        });
      },
    });
  }
  return server;
}

export function bindGrpc(
  server: Server,
  host: string,
  port: number,
  tls: ServerTls | undefined,
): Promise<number> {
  const credentials = tls
    ? ServerCredentials.createSsl(
        tls.clientCa ?? null,
        [{ cert_chain: tls.cert, private_key: tls.key }],
        tls.clientCa !== undefined,
      )
    : ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
}
