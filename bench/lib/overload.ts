/**
 * The 2× overload measurement, shared by `npm run bench` and `npm run bench:overload`: a fresh
 * receiver is warmed up by a short closed loop (its peak RSS then is "normal load"), then offered
 * `rate` requests per second in an open loop whatever it answers. It must shed with retryable answers
 * (429/503), keep its peak RSS within 2× of normal, and every request it acknowledged must be in Kafka.
 */
import { topicSize } from '../../test/harness/kafka.js';
import { closedLoop, httpSender, openLoop } from './load.js';
import { peakRssBytes } from './proc.js';

export interface OverloadTarget {
  readonly pid: number;
  readonly http: number;
  /** The traces topic the receiver produces to (counted before and after). */
  readonly topic: string;
}

export interface OverloadResult {
  readonly offeredRequestsPerSecond: number;
  readonly statuses: Record<string, number>;
  readonly generatorSkipped: number;
  readonly ackedRequests: number;
  readonly recordsInKafka: number;
  readonly rssBeforeBytes: number;
  readonly rssPeakBytes: number;
}

/** Answers a client may get under overload; anything else is a failure of shedding. */
export const RETRYABLE_OR_OK = ['200', '429', '503'];

export async function overloadRun(
  target: OverloadTarget,
  bodies: readonly Uint8Array[],
  itemsPerBody: number,
  options: { readonly rate: number; readonly seconds: number; readonly clients: number },
): Promise<OverloadResult> {
  const send = httpSender(`http://127.0.0.1:${target.http}`, 'traces');
  await closedLoop(send, bodies, itemsPerBody, options.clients, 2);
  const rssBeforeBytes = peakRssBytes(target.pid);
  const before = await topicSize(target.topic);
  const load = await openLoop(
    send,
    (i) => bodies[i % bodies.length]!,
    itemsPerBody,
    options.rate,
    options.seconds,
    1024,
  );
  return {
    offeredRequestsPerSecond: options.rate,
    statuses: load.statuses,
    generatorSkipped: load.skipped,
    ackedRequests: load.statuses['200'] ?? 0,
    recordsInKafka: (await topicSize(target.topic)) - before,
    rssBeforeBytes,
    rssPeakBytes: peakRssBytes(target.pid),
  };
}
