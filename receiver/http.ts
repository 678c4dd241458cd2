/**
 * OTLP/HTTP: POST /v1/traces, /v1/metrics, /v1/logs with protobuf or JSON bodies, gzip/deflate,
 * bounded before and after decompression, answered in the request's own encoding.
 *
 * Admission comes first (onRequest, on the headers alone): API key, request rate, declared size
 * against the byte rate and the admission budget. Only then is the body read, chunk by chunk into
 * the request's lease; decompression and JSON conversion grow the same lease, and the lease is
 * released when the answer is sent. A request refused before its body was read is answered with
 * `Connection: close`, so its body is never read at all.
 */
import { createServer as createPlainServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../core/config/options.js';
import { TributaryError, isTributaryError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { SELF_TELEMETRY_HEADER, startRequestSpan } from '../core/telemetry.js';
import {
  type Signal,
  encodeResponse,
  encodeResponseJson,
  encodeStatus,
  encodeStatusJson,
  jsonToProtobuf,
} from '../schemas/otlp/codec.js';
import { type Admission, JSON_CONVERSION_FACTOR, type Lease } from './admission.js';
import type { Authenticator } from './auth.js';
import { type BodyPool, decompress, readBody } from './http-body.js';
import { type ReceiverMetrics, acceptedCounters } from './metrics.js';
import type { Pipeline } from './pipeline.js';
import type { ServerTls } from './tls.js';
import { RETRY_AFTER_SECONDS, asTributaryError } from './respond.js';

const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];
const JSON_TYPE = 'application/json';
const PATHS: Record<string, Signal> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};
const ALLOWED_HEADERS =
  'content-type, content-encoding, authorization, accept, accept-encoding, user-agent, x-requested-with, traceparent, tracestate';

export interface HttpDeps {
  readonly config: Config;
  readonly pipeline: Pipeline;
  readonly auth: Authenticator;
  readonly admission: Admission;
  readonly metrics: ReceiverMetrics;
  readonly log: Logger;
  readonly tls?: ServerTls | undefined;
  /** Request bodies are read into these buffers and given back once Kafka acknowledged them. */
  readonly bodies: BodyPool;
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isJson(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith(JSON_TYPE);
}

interface Admitted {
  readonly keyId: string | undefined;
  readonly lease: Lease;
  readonly declared: boolean;
  readonly declaredBytes?: number;
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const { config, pipeline, auth, admission, metrics, log } = deps;
  const maxCompressed = config['receiver.maxCompressedBodyBytes'];
  const admitted = new WeakMap<FastifyRequest, Admitted>();
  const pool = deps.bodies;
  const origins = config['receiver.corsOrigins'];
  const tls = deps.tls;
  const timeouts = {
    // A client trickling its body holds a connection and memory: bound the whole request's time,
    // checked every second (Node's default check runs every 30 s).
    requestTimeout: config['receiver.requestTimeoutMs'],
    connectionsCheckingInterval: 1_000,
  };
  const app = Fastify({
    bodyLimit: config['receiver.maxCompressedBodyBytes'],
    logger: false,
    return503OnClosing: true,
    serverFactory: (handler) =>
      tls
        ? createHttpsServer(
            {
              ...timeouts,
              cert: tls.cert,
              key: tls.key,
              ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
            },
            handler,
          )
        : createPlainServer(timeouts, handler),
  }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  for (const type of [...PROTOBUF_TYPES, JSON_TYPE])
    app.addContentTypeParser(type, (request, payload, done) => {
      const admittedRequest = admitted.get(request);
      if (!admittedRequest) {
        done(new TributaryError('NOT_FOUND', `no endpoint ${request.method} ${request.url}`), undefined);
        return;
      }
      readBody(payload, maxCompressed, admittedRequest.lease, pool, admittedRequest.declaredBytes).then(
        (body) => {
          try {
            // A chunked body's size is known only now: still before decompression and validation.
            if (!admittedRequest.declared) admission.takeBytes(admittedRequest.keyId, body.length);
          } catch (err) {
            done(err as Error, undefined);
            return;
          }
          done(null, body);
        },
        (err: unknown) => done(err as Error, undefined),
      );
    });

  const corsOrigin = (origin: string | undefined): string | undefined => {
    if (!origin || origins.length === 0) return undefined;
    if (origins.includes('*')) return origin;
    return origins.includes(origin) ? origin : undefined;
  };

  app.addHook('onRequest', async (request, reply) => {
    const allowed = corsOrigin(request.headers.origin);
    if (allowed) {
      void reply.header('Access-Control-Allow-Origin', allowed).header('Vary', 'Origin');
    }
    if (request.method !== 'POST' || !PATHS[request.url.split('?')[0] ?? '']) return;
    // Admission on the headers alone, before a byte of the body is read.
    const keyId = auth.check(request.headers.authorization);
    const length = request.headers['content-length'];
    const declared = length === undefined ? undefined : Number(length);
    if (declared !== undefined && declared > maxCompressed)
      throw new TributaryError('PAYLOAD_TOO_LARGE', `body of ${declared} bytes exceeds ${maxCompressed}`);
    const lease = admission.admit(keyId, declared);
    admitted.set(request, {
      keyId,
      lease,
      declared: declared !== undefined,
      ...(declared !== undefined ? { declaredBytes: declared } : {}),
    });
    reply.raw.once('close', () => lease.release());
  });

  const sendError = (
    request: FastifyRequest,
    reply: FastifyReply,
    error: TributaryError,
    signal: string,
  ): FastifyReply => {
    metrics.requests.inc({ signal, transport: 'http', outcome: error.code });
    // Refused before its body was read: close the connection rather than read (or drain) the body.
    if (!request.raw.complete) void reply.header('Connection', 'close');
    const retryAfter = RETRY_AFTER_SECONDS[error.code];
    if (retryAfter) void reply.header('Retry-After', String(retryAfter));
    if (error.httpStatus >= 500 && !error.retryable) log.error('request failed', { err: error, signal });
    if (isJson(request))
      return reply
        .code(error.httpStatus)
        .type(JSON_TYPE)
        .send(encodeStatusJson(error.grpcStatus, error.message));
    return reply
      .code(error.httpStatus)
      .type(PROTOBUF_TYPES[0]!)
      .send(Buffer.from(encodeStatus(error.grpcStatus, error.message)));
  };

  app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, request, reply) => {
    const signal = PATHS[request.url.split('?')[0] ?? ''] ?? 'unknown';
    let mapped: TributaryError;
    if (isTributaryError(error)) mapped = error;
    else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      mapped = new TributaryError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported: use application/x-protobuf or application/json`,
      );
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      mapped = new TributaryError(
        'PAYLOAD_TOO_LARGE',
        `body exceeds ${config['receiver.maxCompressedBodyBytes']} bytes`,
      );
    else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      mapped = new TributaryError('BAD_REQUEST', error.message);
    else mapped = asTributaryError(error, log);
    return sendError(request, reply, mapped, signal);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new TributaryError(
        'NOT_FOUND',
        `no endpoint ${request.method} ${request.url}; use POST /v1/traces, /v1/metrics or /v1/logs`,
      ),
      'unknown',
    ),
  );

  for (const [path, signal] of Object.entries(PATHS)) {
    app.post(path, async (request, reply) => {
      const started = process.hrtime.bigint();
      const span = startRequestSpan({
        transport: 'http',
        signal,
        route: path,
        header: (h) => headerOf(request, h),
      });
      try {
        const admittedRequest = admitted.get(request);
        if (!admittedRequest) throw new TributaryError('INTERNAL', 'request was not admitted');
        const { keyId, lease } = admittedRequest;
        const raw = request.body;
        if (!Buffer.isBuffer(raw))
          throw new TributaryError(
            'UNSUPPORTED_MEDIA_TYPE',
            'Content-Type must be application/x-protobuf or application/json',
          );
        const body = await decompress(
          raw,
          request.headers['content-encoding'],
          config['receiver.maxBodyBytes'],
          lease,
        );
        const json = isJson(request);
        let protobuf: Uint8Array = body;
        if (json) {
          // The parsed object graph is many times the text: reserve it before parsing.
          const reserve = JSON_CONVERSION_FACTOR * body.length;
          lease.grow(reserve);
          protobuf = jsonToProtobuf(signal, body.toString('utf8'));
          lease.shrink(reserve);
          lease.grow(protobuf.length);
        }
        const result = await span.run(() =>
          pipeline.ingest(signal, protobuf, {
            ...(keyId ? { keyId } : {}),
            lease,
            selfTelemetry: headerOf(request, SELF_TELEMETRY_HEADER) !== undefined,
          }),
        );
        span.ok(result);
        // Acknowledged by Kafka: its socket writes of the records are done, nothing holds the body now.
        pool.give(raw);
        const counted = acceptedCounters(metrics, signal, 'http');
        counted.requests.inc();
        counted.items.inc(result.items);
        counted.bytes.inc(protobuf.length);
        counted.records.inc(result.records);
        metrics.produceSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9, { signal });
        if (json)
          return await reply
            .code(200)
            .type(JSON_TYPE)
            .send(encodeResponseJson(signal, 0, ''));
        return await reply
          .code(200)
          .type(PROTOBUF_TYPES[0]!)
          .send(Buffer.from(encodeResponse(signal, 0, '')));
      } catch (err) {
        const error = asTributaryError(err, log);
        span.fail(error);
        return sendError(request, reply, error, signal);
      }
    });
    app.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH'],
      url: path,
      handler: (_request, reply) => reply.code(405).header('Allow', 'POST, OPTIONS').send(),
    });
    app.options(path, (request, reply) => {
      const allowed = corsOrigin(request.headers.origin);
      if (!allowed) return reply.code(origins.length === 0 ? 405 : 403).send();
      return reply
        .code(204)
        .header('Access-Control-Allow-Methods', 'POST, OPTIONS')
        .header(
          'Access-Control-Allow-Headers',
          request.headers['access-control-request-headers'] ?? ALLOWED_HEADERS,
        )
        .header('Access-Control-Max-Age', '7200')
        .send();
    });
  }
  return app;
}
