/**
 * The bench's end-to-end part: a receiver and a writer (logs) on the shared Kafka and ClickHouse.
 *
 * 1. The pipeline's own maximum on this machine: the receiver is saturated (closed loop) for a few
 *    seconds and the rows that reach ClickHouse meanwhile are counted, as the soak does. The
 *    components' separate maxima (the receiver alone, the writer draining alone) are not it: run
 *    together, the receiver, Kafka, the writer, ClickHouse and the load share the same cores, and
 *    half of the smaller separate maximum was ~90% of the pipeline's (2026-12-06: 26.6k of 28.8k).
 * 2. Sent → queryable latency at half of that maximum (open loop), polled in ClickHouse.
 * 3. What the machine did meanwhile: each process's CPU and run-queue wait (bench/lib/sched.ts), and
 *    the event loop's delays split into the processes' own CPU and waits for a core
 *    (bench/lib/loop-gaps.ts, preloaded into the receiver and the writer).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { generateLogs } from '../../test/fixtures/generate.js';
import { closedLoop, httpSender, openLoop } from './load.js';
import type { LoopGaps } from './loop-gaps.js';
import { percentile, scrapeMetric, sleep } from './proc.js';
import { type SchedShare, childProcesses, schedWindow } from './sched.js';

export interface EndToEndProcess {
  readonly pid: number;
  readonly http?: number;
  readonly metrics: number;
  /** Where its loop-gaps preload writes (LOOP_GAPS_FILE). */
  readonly loopGapsFile: string;
}

export interface EndToEndOptions {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly receiver: EndToEndProcess & { readonly http: number };
  readonly writer: EndToEndProcess;
  readonly seconds: number;
  /** At least the writer's flush interval plus a few seconds (the rows are counted after one interval). */
  readonly calibrationSeconds: number;
  readonly flushIntervalMs: number;
  readonly clients: number;
  say(line: string): void;
}

const ITEMS = 100;
/** Calibration records carry seq numbers from here on, far above the measured requests'. */
const CALIBRATION_SEQ = 1e12;

async function countRows(client: ClickHouseClient, database: string): Promise<number> {
  const result = await client.query({
    query: `SELECT count() AS n FROM \`${database}\`.otel_logs`,
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
}

function loopGaps(file: string): LoopGaps | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LoopGaps) : undefined;
}

export async function endToEnd(o: EndToEndOptions): Promise<Record<string, unknown>> {
  const send = httpSender(`http://127.0.0.1:${o.receiver.http}`, 'logs');
  // ---- 1. The pipeline's maximum -------------------------------------------------------------
  const calibrationBodies = Array.from({ length: 64 }, (_, i) =>
    generateLogs({
      seed: 10_000 + i,
      resources: 1,
      scopesPerResource: 1,
      itemsPerScope: ITEMS,
      firstSeq: CALIBRATION_SEQ + i * ITEMS,
    }),
  );
  o.say(`end to end: saturating the pipeline for ${o.calibrationSeconds} s (its maximum on this machine)`);
  const rowsAtStart = await countRows(o.client, o.database);
  const saturating = closedLoop(send, calibrationBodies, ITEMS, o.clients, o.calibrationSeconds);
  // Rows land once per flush interval and partition: count from one interval (and a second) in,
  // when the writer's batches follow one another, to the end of the saturation.
  await sleep(o.flushIntervalMs + 1000);
  const steadyFrom = { rows: await countRows(o.client, o.database), at: performance.now() };
  const saturated = await saturating;
  const landed = (await countRows(o.client, o.database)) - steadyFrom.rows;
  const landedSeconds = (performance.now() - steadyFrom.at) / 1000;
  const pipelineMax = Math.min(saturated.items / saturated.seconds, landed / landedSeconds);
  // The backlog of the saturation drains before the measured run.
  const drainStart = performance.now();
  while ((await countRows(o.client, o.database)) < rowsAtStart + saturated.items) {
    if (performance.now() - drainStart > 180_000)
      throw new Error('the calibration backlog did not drain in 180 s');
    await sleep(250);
  }
  const calibration = {
    seconds: saturated.seconds,
    receiverItemsPerSecond: saturated.items / saturated.seconds,
    landedRowsPerSecond: landed / landedSeconds,
    pipelineMaxItemsPerSecond: pipelineMax,
    drainSeconds: (performance.now() - drainStart) / 1000,
  };

  // ---- 2. Sent → queryable at half of it -----------------------------------------------------
  const rate = pipelineMax / 2 / ITEMS;
  const count = Math.round(rate * o.seconds);
  o.say(
    `end to end: ${rate.toFixed(0)} requests/s of ${ITEMS} log records (half of the pipeline's ${Math.round(pipelineMax)} items/s) for ${o.seconds} s`,
  );
  const bodies = Array.from({ length: count }, (_, i) =>
    generateLogs({
      seed: i + 1,
      resources: 1,
      scopesPerResource: 1,
      itemsPerScope: ITEMS,
      firstSeq: i * ITEMS,
    }),
  );
  const sentAt = new Map<number, number>();
  const seenAt = new Map<number, number>();
  let polling = true;
  let lastSend = performance.now();
  // Each poll reads only the parts it has not read before: a part appears whole (one insert or
  // merge), so its requests are seen once. Re-reading the whole table every 50 ms kept the local
  // engine, which runs one query at a time, busy with the measurement itself.
  const seenParts = new Set<string>();
  const poller = (async () => {
    while (polling || seenAt.size < sentAt.size) {
      const skip = [...seenParts].map((p) => `'${p}'`).join(', ');
      const result = await o.client.query({
        query:
          `SELECT _part AS p, intDiv(toUInt64(LogAttributes['seq']), ${ITEMS}) AS r, count() AS n ` +
          `FROM \`${o.database}\`.otel_logs ${skip ? `WHERE _part NOT IN (${skip}) ` : ''}GROUP BY p, r`,
        format: 'JSONEachRow',
      });
      const now = performance.now();
      for (const { p, r, n } of await result.json<{ p: string; r: string; n: string }>()) {
        seenParts.add(p);
        const index = Number(r);
        if (index < count && Number(n) >= ITEMS && !seenAt.has(index)) seenAt.set(index, now);
      }
      if (!polling && now - lastSend > 60_000) break;
      await sleep(50);
    }
  })();
  const machine = schedWindow([
    { name: 'receiver', pid: o.receiver.pid },
    { name: 'writer', pid: o.writer.pid },
    ...childProcesses()
      .filter((c) => /kafka\.Kafka|java/.test(c.command) || /clickhouse/.test(c.command))
      .map((c) => ({ name: /java/.test(c.command) ? 'kafka' : 'clickhouse (local server)', pid: c.pid })),
    { name: 'bench (load generator, poller)', pid: process.pid },
  ]);
  const wallStart = performance.now();
  const load = await openLoop(
    send,
    (i) => bodies[i]!,
    ITEMS,
    rate,
    o.seconds,
    256,
    (i, at, status) => {
      if (status === '200') sentAt.set(i, at);
      lastSend = performance.now();
    },
  );
  const sched: SchedShare[] = machine.end();
  const wallSeconds = (performance.now() - wallStart) / 1000;
  polling = false;
  await poller;
  const latencies = [...sentAt].flatMap(([i, at]) => (seenAt.has(i) ? [(seenAt.get(i)! - at) / 1000] : []));
  const scrape = (port: number, name: string) => scrapeMetric(`http://127.0.0.1:${port}/metrics`, name);
  return {
    calibration,
    requestsPerSecond: rate,
    itemsPerRequest: ITEMS,
    acked: sentAt.size,
    queryable: latencies.length,
    statuses: load.statuses,
    p50Seconds: percentile(latencies, 50),
    p99Seconds: percentile(latencies, 99),
    maxSeconds: Math.max(...latencies),
    machine: { wallSeconds, processes: sched },
    eventLoop: {
      receiverMaxSeconds: await scrape(o.receiver.metrics, 'nodejs_eventloop_delay_max'),
      receiverP99Seconds: await scrape(o.receiver.metrics, 'nodejs_eventloop_delay_p99'),
      writerMaxSeconds: await scrape(o.writer.metrics, 'nodejs_eventloop_delay_max'),
      writerP99Seconds: await scrape(o.writer.metrics, 'nodejs_eventloop_delay_p99'),
      receiverGaps: loopGaps(o.receiver.loopGapsFile),
      writerGaps: loopGaps(o.writer.loopGapsFile),
    },
  };
}
