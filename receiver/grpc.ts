/**
 * OTLP/gRPC: the three Export services, defined by hand so request messages arrive as raw bytes:
 * they are validated by the wire walk and forwarded unchanged when they fit a record. Server limits
 * (concurrent streams, keepalive, connection idle time and age, message size) come from the config;
 * admission (auth, rates, the byte budget, the call deadline) is grpc-admission.ts's interceptor.
 */
import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { setMessageAllocator } from '@grpc/grpc-js/build/src/stream-decoder.js';
import type { Config } from '../core/config/options.js';
import type { Logger } from '../core/log.js';
import { SELF_TELEMETRY_HEADER, startRequestSpan } from '../core/telemetry.js';
import { type Signal, encodeResponse } from '../schemas/otlp/codec.js';
import type { Admission } from './admission.js';
import type { Authenticator } from './auth.js';
import type { BodyPool } from './http-body.js';
import { KEY_ID_METADATA, admissionInterceptor, leaseOfMessage } from './grpc-admission.js';
import { grpcStatusOf } from './grpc-status.js';
import { type ReceiverMetrics, acceptedCounters } from './metrics.js';
import type { Pipeline } from './pipeline.js';
import { asTributaryError } from './respond.js';
import type { ServerTls } from './tls.js';

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

const identity = (b: Buffer): Buffer => b;

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
  readonly admission: Admission;
  readonly metrics: ReceiverMetrics;
  readonly log: Logger;
  /** Request messages are read into these buffers and given back once Kafka acknowledged them. */
  readonly bodies: BodyPool;
}

/** gRPC's message header: compression flag (1 byte) and length (4 bytes), before the message. */
const GRPC_FRAME_HEADER_BYTES = 5;

/**
 * The pooled buffer holding `message`, when grpc-js read it into one from `setMessageAllocator`: the
 * request handed to the handler is that buffer past the frame header. A decompressed message is a
 * buffer of zlib's instead and stays with the garbage collector.
 */
function framedBufferOf(message: Buffer): Uint8Array | undefined {
  return message.byteOffset === GRPC_FRAME_HEADER_BYTES
    ? new Uint8Array(message.buffer, 0, GRPC_FRAME_HEADER_BYTES + message.byteLength)
    : undefined;
}

/** Server options from the config: every limit has a safe default (core/config/options.ts). */
export function grpcServerOptions(config: Config): Record<string, number> {
  const options: Record<string, number> = {
    'grpc.max_receive_message_length': config['receiver.grpcMaxReceiveMessageBytes'],
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    'grpc.max_concurrent_streams': config['receiver.grpcMaxConcurrentStreams'],
    'grpc.keepalive_time_ms': config['receiver.grpcKeepaliveTimeMs'],
    'grpc.keepalive_timeout_ms': config['receiver.grpcKeepaliveTimeoutMs'],
    'grpc.max_connection_idle_ms': config['receiver.grpcMaxConnectionIdleMs'],
    // Per call and per connection (patches/@grpc+grpc-js+1.14.7.patch: the server honours it too); the
    // connection's window also bounds what one client can have sent but not yet been read.
    'grpc-node.flow_control_window': config['receiver.grpcFlowControlWindowBytes'],
    // HTTP/2 session memory (header tables, queued frames, pings) per connection, in MiB.
    'grpc-node.max_session_memory': 32,
    // Channelz (a debugging service we do not serve) counts and timestamps every call and message.
    'grpc.enable_channelz': 0,
  };
  if (config['receiver.grpcMaxConnectionAgeMs'] > 0) {
    options['grpc.max_connection_age_ms'] = config['receiver.grpcMaxConnectionAgeMs'];
    options['grpc.max_connection_age_grace_ms'] = config['receiver.grpcMaxConnectionAgeGraceMs'];
  }
  return options;
}

export function createGrpcServer(deps: GrpcDeps): Server {
  const { config, pipeline, auth, admission, metrics, log, bodies } = deps;
  // grpc-js concatenates each message's frames into one new buffer (patches/README.md): from the
  // pool, these were the receiver's largest allocations and most of its garbage collection.
  setMessageAllocator((size) => bodies.take(size));
  const server = new Server({
    ...grpcServerOptions(config),
    interceptors: [
      admissionInterceptor({ auth, admission, callTimeoutMs: config['receiver.grpcCallTimeoutMs'], log }),
    ],
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
          // Authenticated by the interceptor, before the message was read.
          const keyId = call.metadata.get(KEY_ID_METADATA)[0];
          const lease = leaseOfMessage.get(call.request);
          const result = await span.run(() =>
            pipeline.ingest(signal, call.request, {
              ...(typeof keyId === 'string' ? { keyId } : {}),
              ...(lease ? { lease } : {}),
              selfTelemetry: metadataOf(call.metadata, SELF_TELEMETRY_HEADER) !== undefined,
            }),
          );
          span.ok(result);
          const counted = acceptedCounters(metrics, signal, 'grpc');
          counted.requests.inc();
          counted.items.inc(result.items);
          counted.bytes.inc(call.request.length);
          counted.records.inc(result.records);
          metrics.produceSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9, { signal });
          callback(null, Buffer.from(encodeResponse(signal, 0, '')));
          // Acknowledged by Kafka: nothing reads the message any more (as for HTTP bodies).
          const framed = framedBufferOf(call.request);
          if (framed) bodies.give(framed);
        };
        run().catch((err: unknown) => {
          const error = asTributaryError(err, log);
          span.fail(error);
          metrics.requests.inc({ signal, transport: 'grpc', outcome: error.code });
          callback(grpcStatusOf(error));
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
