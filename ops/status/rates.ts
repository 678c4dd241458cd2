/**
 * Rates between two status snapshots: rows per second per table, receiver answers and writer inserts
 * per second. The refreshing view gets them from its previous frame; `--once` and `--json` take two
 * snapshots status.intervalMs apart, so every form of `status` shows the same rates.
 */
import type { AnswerClass } from './scrape.js';

export interface StatusRates {
  /** The time between the two snapshots the rates are measured over. */
  readonly overSeconds: number;
  readonly rowsPerSecond: Readonly<Record<string, number>>;
  readonly receiverAnswersPerSecond: Readonly<Record<AnswerClass, number>>;
  readonly insertsPerSecond: Readonly<Record<string, number>>;
}

/** What of a snapshot the rates are computed from. */
export interface RateInput {
  readonly at: string;
  readonly tables: readonly { table: string; rows: number }[];
  readonly metrics: {
    readonly requests: Readonly<Record<AnswerClass, number>>;
    readonly inserts: readonly { table: string; count: number }[];
  };
}

/** One decimal is enough for people and scripts alike. */
const perSecond = (delta: number, seconds: number): number =>
  Math.round((Math.max(0, delta) / seconds) * 10) / 10;

/** Rates from `before` to `now`; undefined when no time passed between them. */
export function ratesBetween(before: RateInput, now: RateInput): StatusRates | undefined {
  const seconds = (Date.parse(now.at) - Date.parse(before.at)) / 1000;
  if (!(seconds > 0)) return undefined;
  const rowsBefore = new Map(before.tables.map((t) => [t.table, t.rows]));
  const insertsBefore = new Map(before.metrics.inserts.map((i) => [i.table, i.count]));
  const answers = {} as Record<AnswerClass, number>;
  for (const [answer, total] of Object.entries(now.metrics.requests) as [AnswerClass, number][])
    answers[answer] = perSecond(total - before.metrics.requests[answer], seconds);
  return {
    overSeconds: Math.round(seconds * 10) / 10,
    rowsPerSecond: Object.fromEntries(
      now.tables.map((t) => [t.table, perSecond(t.rows - (rowsBefore.get(t.table) ?? t.rows), seconds)]),
    ),
    receiverAnswersPerSecond: answers,
    insertsPerSecond: Object.fromEntries(
      now.metrics.inserts.map((i) => [
        i.table,
        perSecond(i.count - (insertsBefore.get(i.table) ?? 0), seconds),
      ]),
    ),
  };
}
