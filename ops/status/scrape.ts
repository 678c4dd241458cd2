/**
 * What `status` reads from the components' Prometheus endpoints: receiver requests by the answer
 * clients got (200, 429, 503, other 4xx) and the writer's INSERT count and time per table. Counters
 * are totals since each process started; `status` turns two snapshots into rates.
 */
import { errorMessage } from '../../core/errors.js';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Samples of the Prometheus text format (comments skipped; label values without escaped quotes). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export type AnswerClass = '200' | '429' | '503' | '4xx';

/** The HTTP answer class of a receiver outcome (`ok` or an error code from core/errors.ts). */
export function answerClass(outcome: string): AnswerClass {
  if (outcome === 'ok') return '200';
  if (outcome === 'OVERLOADED' || outcome === 'RATE_LIMITED') return '429';
  if (outcome === 'KAFKA_UNAVAILABLE' || outcome === 'SHUTTING_DOWN') return '503';
  return '4xx';
}

export interface ScrapedMetrics {
  readonly requests: Readonly<Record<AnswerClass, number>>;
  readonly inserts: readonly { table: string; count: number; seconds: number }[];
  readonly unreachable: readonly string[];
}

export async function scrapeMetrics(urls: readonly string[]): Promise<ScrapedMetrics> {
  const requests: Record<AnswerClass, number> = { '200': 0, '429': 0, '503': 0, '4xx': 0 };
  const inserts = new Map<string, { table: string; count: number; seconds: number }>();
  const unreachable: string[] = [];
  await Promise.all(
    urls.map(async (url) => {
      const base = url.replace(/\/+$/, '');
      let text: string;
      try {
        const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2_000) });
        text = await res.text();
      } catch (err) {
        unreachable.push(`${base}: ${errorMessage(err)}`);
        return;
      }
      for (const s of parsePrometheus(text)) {
        if (s.name === 'tributary_receiver_requests_total')
          requests[answerClass(s.labels['outcome'] ?? '')] += s.value;
        const table = s.labels['table'];
        if (
          table &&
          (s.name === 'tributary_writer_insert_seconds_count' ||
            s.name === 'tributary_writer_insert_seconds_sum')
        ) {
          const entry = inserts.get(table) ?? { table, count: 0, seconds: 0 };
          if (s.name.endsWith('_count')) entry.count += s.value;
          else entry.seconds += s.value;
          inserts.set(table, entry);
        }
      }
    }),
  );
  return {
    requests,
    inserts: [...inserts.values()].sort((a, b) => a.table.localeCompare(b.table)),
    unreachable,
  };
}
