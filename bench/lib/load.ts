/**
 * OTLP load from pre-encoded request bodies: closed loop (N clients back to back) for throughput, or
 * open loop at a fixed request rate (overload, latency runs). HTTP through fetch, gRPC through grpc-js
 * with the bodies passed as raw bytes.
 */
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { sleep } from './proc.js';

export type Signal = 'traces' | 'metrics' | 'logs';

export interface LoadResult {
  readonly requests: number;
  readonly items: number;
  readonly seconds: number;
  /** Answers by status (HTTP code or `grpc-<code>`). */
  readonly statuses: Record<string, number>;
}

/** Sends one request; resolves to its status text ("200", "429", "grpc-0", ...). */
export type Sender = (body: Uint8Array) => Promise<string>;

export function httpSender(baseUrl: string, signal: Signal): Sender {
  const url = `${baseUrl}/v1/${signal}`;
  return async (body) => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-protobuf' },
      });
      await response.arrayBuffer();
      return String(response.status);
    } catch {
      return 'connection-error';
    }
  };
}

const GRPC_PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export function grpcSender(address: string, signal: Signal): { send: Sender; close(): void } {
  const client = new Client(address, credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  const identity = (b: Buffer): Buffer => b;
  const send: Sender = (body) =>
    new Promise((resolve) => {
      client.makeUnaryRequest(
        GRPC_PATHS[signal],
        (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        identity,
        body,
        new Metadata(),
        (err) => resolve(`grpc-${err?.code ?? 0}`),
      );
    });
  return { send, close: () => client.close() };
}

const isSuccess = (status: string): boolean => status === '200' || status === 'grpc-0';

/** `clients` senders back to back for `seconds`. */
export async function closedLoop(
  send: Sender,
  bodies: readonly Uint8Array[],
  itemsPerBody: number,
  clients: number,
  seconds: number,
): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  let requests = 0;
  let items = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = c; performance.now() < end; i += clients) {
        const status = await send(bodies[i % bodies.length]!);
        statuses[status] = (statuses[status] ?? 0) + 1;
        requests++;
        if (isSuccess(status)) items += itemsPerBody;
      }
    }),
  );
  return { requests, items, seconds: (performance.now() - start) / 1000, statuses };
}

/**
 * Requests at a fixed rate whatever the answers (open loop), at most `maxOutstanding` unanswered;
 * `onAnswer` sees each request's index, send time and status.
 */
export async function openLoop(
  send: Sender,
  bodyFor: (index: number) => Uint8Array,
  itemsPerBody: number,
  requestsPerSecond: number,
  seconds: number,
  maxOutstanding = 256,
  onAnswer: (index: number, sentAt: number, status: string) => void = () => undefined,
): Promise<LoadResult & { skipped: number }> {
  const statuses: Record<string, number> = {};
  const pending = new Set<Promise<void>>();
  let items = 0;
  let skipped = 0;
  const start = performance.now();
  const total = Math.round(requestsPerSecond * seconds);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / requestsPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (pending.size >= maxOutstanding) {
      skipped++; // the generator itself is saturated; counted, not sent
      continue;
    }
    const sentAt = performance.now();
    const request = send(bodyFor(i)).then((status) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (isSuccess(status)) items += itemsPerBody;
      onAnswer(i, sentAt, status);
      pending.delete(request);
    });
    pending.add(request);
  }
  await Promise.all(pending);
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  return { requests, items, seconds: (performance.now() - start) / 1000, statuses, skipped };
}
