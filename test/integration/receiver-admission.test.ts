/**
 * Admission before work (issue 16, items 2-4): memory stays under the stated formula when many
 * large bodies arrive at once (the excess is answered 429), unauthenticated bodies are refused
 * before they are read, rate limits on requests and bytes refuse before validation, and the gRPC
 * server limits a slow or many-stream client.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as connectHttp2, constants as h2 } from 'node:http2';
import { request } from 'node:http';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { selfCommand } from '../../core/self.js';
import { loadConfig } from '../../core/config/load.js';
import { receiverMemoryBytes } from '../../receiver/admission.js';
import { generateLogsObject, generateLogs } from '../fixtures/generate.js';
import { kafkaBrokers } from '../harness/env.js';
import { freshTopics } from '../harness/kafka.js';
import { type TestReceiver, startTestReceiver } from '../harness/receiver.js';

const MiB = 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function post(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-protobuf',
          'content-length': String(body.length),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('latin1'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A logs request of about `bytes` protobuf bytes. */
function logsOfSize(bytes: number, seed: number): Buffer {
  const one = generateLogs({ seed, resources: 1, scopesPerResource: 1, itemsPerScope: 100 });
  const resources = Math.max(1, Math.round(bytes / one.length));
  return Buffer.from(generateLogs({ seed, resources, scopesPerResource: 1, itemsPerScope: 100 }));
}

/** Peak resident memory of a process (Linux). */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('receiver admission', () => {
  const receivers: TestReceiver[] = [];
  after(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
  });

  test('many concurrent large bodies: peak RSS under the stated formula, the excess answered 429', async () => {
    const topics = await freshTopics(3);
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRIBUTARY_'))),
      TRIBUTARY_KAFKA_BROKERS: kafkaBrokers().join(','),
      TRIBUTARY_TOPICS_PREFIX: topics.prefix,
      TRIBUTARY_LOG_FORMAT: 'json',
      TRIBUTARY_RECEIVER_HOST: '127.0.0.1',
      TRIBUTARY_RECEIVER_HTTP_PORT: '0',
      TRIBUTARY_RECEIVER_GRPC_PORT: '0',
      TRIBUTARY_RECEIVER_HEALTH_PORT: '0',
      TRIBUTARY_RECEIVER_METRICS_PORT: '0',
      TRIBUTARY_RECEIVER_MAX_ADMITTED_BYTES: String(64 * MiB),
      TRIBUTARY_RECEIVER_MAX_INFLIGHT_BYTES: String(16 * MiB),
      TRIBUTARY_RECEIVER_MAX_BODY_BYTES: String(32 * MiB),
      TRIBUTARY_RECEIVER_MAX_COMPRESSED_BODY_BYTES: String(32 * MiB),
    };
    const { config } = loadConfig({ env });
    const bound = receiverMemoryBytes(config);
    const self = selfCommand();
    const child = spawn(self.command, [...self.args, 'receiver'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString('utf8');
          // One JSON object per line (logFormat json); the ready event names the port.
          for (const line of err.split('\n').slice(0, -1)) {
            if (!line.startsWith('{')) continue;
            const event = JSON.parse(line) as { msg?: string; httpPort?: number };
            if (event.msg === 'receiver ready' && event.httpPort) resolve(event.httpPort);
          }
        });
        child.once('exit', (code) => reject(new Error(`receiver exited ${code}: ${err}`)));
        setTimeout(() => reject(new Error(`receiver not ready within 60 s: ${err}`)), 60_000).unref();
      });
      const idle = peakRss(child.pid!);
      const url = `http://127.0.0.1:${port}/v1/logs`;
      const protobuf = logsOfSize(8 * MiB, 1);
      const json = Buffer.from(
        JSON.stringify(
          generateLogsObject({ seed: 2, resources: 30, scopesPerResource: 1, itemsPerScope: 100 }),
        ),
      );
      const bomb = gzipSync(Buffer.concat([protobuf, protobuf, protobuf]));
      // 24 protobuf bodies of 8 MiB (192 MiB), 8 JSON bodies and 4 gzip bodies inflating to 24 MiB,
      // all at once, against a 64 MiB budget.
      // A request refused on its headers is answered 429 with Connection: close and its body is never
      // read; a client still sending then may see the connection reset (EPIPE) before the answer. That
      // is a refusal too (nothing acknowledged): counted as status 0, never as an acceptance.
      const refusedOrReset = (pending: Promise<Answer>): Promise<Answer> =>
        pending.catch((err: unknown) => {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'EPIPE' && code !== 'ECONNRESET') throw err;
          return { status: 0, headers: {}, body: '' };
        });
      const answers = await Promise.all([
        ...Array.from({ length: 24 }, () => refusedOrReset(post(url, protobuf))),
        ...Array.from({ length: 8 }, () =>
          refusedOrReset(post(url, json, { 'content-type': 'application/json' })),
        ),
        ...Array.from({ length: 4 }, () => refusedOrReset(post(url, bomb, { 'content-encoding': 'gzip' }))),
      ]);
      const statuses = answers.map((a) => a.status);
      const accepted = statuses.filter((s) => s === 200).length;
      const overloaded = answers.filter((a) => a.status === 429);
      assert.ok(accepted > 0, `some requests are accepted: ${statuses.join(',')}`);
      assert.ok(overloaded.length > 0, `the excess is answered 429: ${statuses.join(',')}`);
      for (const a of overloaded) assert.equal(a.headers['retry-after'], '1');
      assert.deepEqual(
        statuses.filter((s) => s !== 200 && s !== 429 && s !== 0),
        [],
        'nothing but 200, 429 (or a reset while the refused body was still being sent)',
      );
      // Once answered, the budget is free again: the same body is accepted alone.
      assert.equal((await post(url, protobuf)).status, 200);
      const peak = peakRss(child.pid!);
      console.log(
        `admission: ${accepted} accepted, ${overloaded.length} × 429; idle ${(idle / MiB).toFixed(0)} MiB, peak RSS ${(peak / MiB).toFixed(0)} MiB, bound ${(bound / MiB).toFixed(0)} MiB`,
      );
      assert.ok(peak < bound, `peak RSS ${peak} under the formula's ${bound}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  test('an unauthenticated large body is refused before it is read (HTTP and gRPC)', async () => {
    const receiver = await startTestReceiver({ 'receiver.apiKeys': ['k1'] });
    receivers.push(receiver);
    // HTTP: declare 12 MiB, send 64 KiB, then wait: the answer must come without the rest.
    const answer = await new Promise<{ status: number; connection: string | undefined }>(
      (resolve, reject) => {
        const req = request(`${receiver.httpUrl}/v1/logs`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'content-length': String(12 * MiB) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
        });
        req.on('error', reject);
        req.write(Buffer.alloc(64 * 1024));
      },
    );
    assert.equal(answer.status, 401);
    assert.equal(answer.connection, 'close');

    // gRPC: a message announced as 10 MiB of which 64 KiB is sent, without an API key.
    const session = connectHttp2(`http://127.0.0.1:${receiver.grpcPort}`);
    session.on('error', () => undefined); // the server closing the session is expected
    try {
      const stream = session.request({
        [h2.HTTP2_HEADER_METHOD]: 'POST',
        [h2.HTTP2_HEADER_PATH]: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined); // closed by the server once answered
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(10 * MiB, 1);
      stream.write(Buffer.concat([prefix, Buffer.alloc(64 * 1024)]));
      const grpcStatus = await new Promise<string>((resolve) => {
        stream.on('response', (headers) => {
          if (headers['grpc-status'] !== undefined) resolve(String(headers['grpc-status']));
        });
        stream.on('trailers', (trailers) => resolve(String(trailers['grpc-status'])));
        stream.resume();
      });
      assert.equal(grpcStatus, '16', 'UNAUTHENTICATED without the message');
    } finally {
      session.close();
    }
  });

  test('request and byte rate limits refuse before validation', async () => {
    const receiver = await startTestReceiver({
      'receiver.rateLimitRequestsPerSecond': 3,
      'receiver.rateLimitBytesPerSecond': 2 * MiB,
      'receiver.maxCompressedBodyBytes': MiB,
      'receiver.maxBodyBytes': MiB,
    });
    receivers.push(receiver);
    const url = `${receiver.httpUrl}/v1/logs`;
    // Not OTLP at all: refused as invalid (400) while the rates allow, as rate-limited after.
    const garbage = Buffer.alloc(1000, 0xff);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(url, garbage)).status);
    assert.deepEqual(statuses.slice(0, 3), [400, 400, 400]);
    assert.ok(
      statuses.slice(3).every((s) => s === 429),
      `over 3 requests/s: ${statuses.join(',')}`,
    );

    const bytesReceiver = await startTestReceiver({
      'receiver.rateLimitBytesPerSecond': MiB,
      'receiver.maxCompressedBodyBytes': MiB,
      'receiver.maxBodyBytes': MiB,
    });
    receivers.push(bytesReceiver);
    const big = Buffer.alloc(600 * 1024, 0xff);
    const first = await post(`${bytesReceiver.httpUrl}/v1/logs`, big);
    const second = await post(`${bytesReceiver.httpUrl}/v1/logs`, big);
    assert.equal(first.status, 400, 'the first fits the byte burst and is validated (and refused)');
    assert.equal(second.status, 429, 'the second exceeds the byte rate before validation');
    assert.equal(second.headers['retry-after'], '1');
  });

  test('gRPC: a slow client gets DEADLINE_EXCEEDED; streams per connection are limited', async () => {
    const receiver = await startTestReceiver({
      'receiver.grpcCallTimeoutMs': 1500,
      'receiver.grpcMaxConcurrentStreams': 2,
    });
    receivers.push(receiver);
    const session = connectHttp2(`http://127.0.0.1:${receiver.grpcPort}`);
    session.on('error', () => undefined); // the server closing the session is expected
    try {
      await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
      assert.equal(session.remoteSettings.maxConcurrentStreams, 2);
      const started = Date.now();
      const stream = session.request({
        [h2.HTTP2_HEADER_METHOD]: 'POST',
        [h2.HTTP2_HEADER_PATH]: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined); // closed by the server once answered
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(100_000, 1);
      stream.write(Buffer.concat([prefix, Buffer.alloc(1000)])); // then nothing more: a trickle
      const grpcStatus = await new Promise<string>((resolve) => {
        stream.on('response', (headers) => {
          if (headers['grpc-status'] !== undefined) resolve(String(headers['grpc-status']));
        });
        stream.on('trailers', (trailers) => resolve(String(trailers['grpc-status'])));
        stream.resume();
      });
      assert.equal(grpcStatus, '4', 'DEADLINE_EXCEEDED');
      const took = Date.now() - started;
      assert.ok(took >= 1400 && took < 5000, `answered at the deadline (${took} ms)`);
    } finally {
      session.close();
    }
  });
});
