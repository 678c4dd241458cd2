/**
 * Per-signal retention, as ClickStack's HYPERDX_OTEL_EXPORTER_{LOGS,TRACES,METRICS,SESSIONS}_TTL
 * (clickstack-processing.md §3.5): a duration in whole days (`30d`) or hours, minutes and seconds
 * (`720h`, `90m`, `1h30m`, `3600s`), rendered as the coarsest exact interval (`720h` →
 * `toIntervalDay(30)`). An empty value falls back to `schema.ttlDays`; `0` means no TTL.
 */

/** Signals with their own retention; each covers its tables and its rollup. */
export const TTL_SIGNALS = ['logs', 'traces', 'metrics', 'sessions'] as const;
export type TtlSignal = (typeof TTL_SIGNALS)[number];

export type Retention = Partial<Readonly<Record<TtlSignal, string>>>;

const DURATION = /^(?:(\d+)d|(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?)$/;

/** Seconds of a retention text; 0 for `0`; throws on anything else that is not a duration. */
export function retentionSeconds(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const m = DURATION.exec(trimmed);
  if (!m || trimmed === '')
    throw new Error(
      `retention "${text}" must be a duration such as 30d, 720h, 90m, 1h30m or 3600s (0 = no TTL)`,
    );
  const [, d, h, min, s] = m;
  const seconds = Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(min ?? 0) * 60 + Number(s ?? 0);
  if (!Number.isSafeInteger(seconds) || seconds <= 0)
    throw new Error(`retention "${text}" must be a positive duration (0 = no TTL)`);
  return seconds;
}

/** The coarsest exact ClickHouse interval for a positive number of seconds. */
export function intervalExpression(seconds: number): string {
  if (seconds % 86_400 === 0) return `toIntervalDay(${seconds / 86_400})`;
  if (seconds % 3_600 === 0) return `toIntervalHour(${seconds / 3_600})`;
  if (seconds % 60 === 0) return `toIntervalMinute(${seconds / 60})`;
  return `toIntervalSecond(${seconds})`;
}

/** The TTL interval of one signal's tables, or undefined for none. */
export function retentionInterval(
  signal: TtlSignal,
  retention: Retention,
  ttlDays: number,
): string | undefined {
  const text = retention[signal] ?? '';
  const seconds = text.trim() === '' ? ttlDays * 86_400 : retentionSeconds(text);
  return seconds > 0 ? intervalExpression(seconds) : undefined;
}
