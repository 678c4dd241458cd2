/**
 * A quick throughput run (the full side-by-side benchmark is its own piece of work):
 *   receiver: OTLP/HTTP protobuf spans → Kafka, items/s and receiver CPU-seconds per million items;
 *   writer:   Kafka → ClickHouse rows/s and writer CPU-seconds per million rows.
 * Processes run as children so their CPU is measured from /proc. Prints a table and writes
 * bench/results/<date>-quick.json.   Run: npm run bench:quick
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClickHouse } from '../core/clickhouse.js';
import { createKafka } from '../core/kafka.js';
import { fromRoot } from '../core/paths.js';
import { migrate } from '../schemas/migrate.js';
import { generateTraces } from '../test/fixtures/generate.js';
import { freshTopics } from '../test/harness/kafka.js';
import { spawnTributary } from '../test/harness/process.js';
import { freePort, startTestStack } from '../test/harness/stack.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
const SPANS_PER_REQUEST = 500;
const CONCURRENCY = 8;
const WRITER_RECORDS = Number(process.env['BENCH_WRITER_RECORDS'] ?? 400);

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} never became healthy`);
}

async function main(): Promise<void> {
  const stack = await startTestStack((line) => process.stderr.write(`${line}\n`));
  Object.assign(process.env, stack.env);
  const brokers = stack.env['TEST_KAFKA_BROKERS']!;
  const clickhouseUrl = stack.env['TEST_CLICKHOUSE_URL']!;
  const logDir = fromRoot('bench', 'results', 'tmp');
  mkdirSync(logDir, { recursive: true });
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    seconds: SECONDS,
  };
  try {
    // Receiver.
    const topics = await freshTopics(6);
    const httpPort = await freePort();
    const healthPort = await freePort();
    const receiver = spawnTributary(
      'receiver',
      {
        TRIBUTARY_KAFKA_BROKERS: brokers,
        TRIBUTARY_TOPICS_PREFIX: topics.prefix,
        TRIBUTARY_RECEIVER_HTTP_PORT: String(httpPort),
        TRIBUTARY_RECEIVER_GRPC_PORT: String(await freePort()),
        TRIBUTARY_RECEIVER_HEALTH_PORT: String(healthPort),
        TRIBUTARY_RECEIVER_METRICS_PORT: '0',
        TRIBUTARY_LOG_LEVEL: 'error',
      },
      join(logDir, 'receiver.log'),
    );
    await waitHealthy(`http://127.0.0.1:${healthPort}/ready`);
    const bodies = Array.from({ length: 16 }, (_, i) =>
      generateTraces({ seed: i + 1, resources: 1, scopesPerResource: 1, itemsPerScope: SPANS_PER_REQUEST }),
    );
    const url = `http://127.0.0.1:${httpPort}/v1/traces`;
    const cpuBefore = cpuSeconds(receiver.process.pid!);
    const start = Date.now();
    let items = 0;
    let failures = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        let i = w;
        while (Date.now() - start < SECONDS * 1000) {
          const res = await fetch(url, {
            method: 'POST',
            body: bodies[i++ % bodies.length],
            headers: { 'content-type': 'application/x-protobuf' },
          });
          await res.arrayBuffer();
          if (res.ok) items += SPANS_PER_REQUEST;
          else failures++;
        }
      }),
    );
    const elapsed = (Date.now() - start) / 1000;
    const cpu = cpuSeconds(receiver.process.pid!) - cpuBefore;
    await receiver.kill('SIGTERM');
    results['receiver'] = {
      transport: 'http/protobuf',
      spansPerRequest: SPANS_PER_REQUEST,
      concurrency: CONCURRENCY,
      itemsPerSecond: Math.round(items / elapsed),
      cpuSecondsPerMillionItems: Number(((cpu / items) * 1e6).toFixed(2)),
      itemsPerCpuSecond: Math.round(items / cpu),
      failures,
    };

    // Writer: pre-filled topic, then time the drain.
    const writerTopics = await freshTopics(3);
    const producer = createKafka({ brokers: brokers.split(','), clientId: 'bench' }).producer();
    await producer.connect();
    for (let i = 0; i < WRITER_RECORDS; i += 20) {
      await producer.send({
        topic: writerTopics.traces,
        acks: -1,
        messages: Array.from({ length: 20 }, (_, j) => ({
          value: Buffer.from(bodies[(i + j) % bodies.length]!),
        })),
      });
    }
    await producer.disconnect();
    const database = `bench_${Date.now()}`;
    const client = createClickHouse({
      url: clickhouseUrl,
      user: 'default',
      password: '',
      database: 'default',
    });
    await migrate(client, { database, ttlDays: 0, cluster: '', dedupWindow: 10_000 });
    const expected = WRITER_RECORDS * SPANS_PER_REQUEST;
    const writerHealth = await freePort();
    const writerStart = Date.now();
    const writer = spawnTributary(
      'writer',
      {
        TRIBUTARY_KAFKA_BROKERS: brokers,
        TRIBUTARY_CLICKHOUSE_URL: clickhouseUrl,
        TRIBUTARY_CLICKHOUSE_DATABASE: database,
        TRIBUTARY_TOPICS_PREFIX: writerTopics.prefix,
        TRIBUTARY_WRITER_SIGNALS: 'traces',
        TRIBUTARY_WRITER_HEALTH_PORT: String(writerHealth),
        TRIBUTARY_WRITER_METRICS_PORT: '0',
        TRIBUTARY_LOG_LEVEL: 'error',
      },
      join(logDir, 'writer.log'),
    );
    let rows = 0;
    while (rows < expected && Date.now() - writerStart < 300_000) {
      await new Promise((r) => setTimeout(r, 250));
      const result = await client.query({
        query: `SELECT count() AS n FROM ${database}.otel_traces`,
        format: 'JSONEachRow',
      });
      rows = Number((await result.json<{ n: string }>())[0]!.n);
    }
    const writerElapsed = (Date.now() - writerStart) / 1000;
    const writerCpu = cpuSeconds(writer.process.pid!);
    await writer.kill('SIGTERM');
    await client.close();
    results['writer'] = {
      rows,
      expected,
      secondsIncludingStartup: Number(writerElapsed.toFixed(1)),
      rowsPerSecond: Math.round(rows / writerElapsed),
      cpuSecondsPerMillionRows: Number(((writerCpu / rows) * 1e6).toFixed(2)),
      rowsPerWriterCpuSecond: Math.round(rows / writerCpu),
    };
  } finally {
    await stack.stop();
  }
  const file = fromRoot('bench', 'results', `${new Date().toISOString().slice(0, 10)}-quick.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(JSON.stringify(results, null, 2) + `\nwritten to ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
