/**
 * Which day a row's partition time falls on, as ClickHouse computes `toDate(<time column>)` for the
 * tables' PARTITION BY: in the server's time zone (the ClickStack columns declare none). Bodies are cut
 * at those days, so each INSERT touches one partition whatever the server's zone (cut at UTC midnight,
 * every body on a server in Europe/Berlin would make two parts).
 *
 * The zone is the server's, read once at start (writer/delivery/preflight.ts) and the same for the
 * whole process, so it is kept here rather than passed through every transcoder; rule versions pin it
 * (batch.ts ruleVersion), so a range planned under one zone is never rebuilt under another.
 */
const UTC = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'UCT', 'Universal', 'Zulu']);
const SECONDS_PER_DAY = 86_400;
/** Zone offsets change at most every quarter hour (every zone's transitions fall on such instants). */
const BUCKET_SECONDS = 900;
const CACHE_LIMIT = 100_000;

let zone = 'UTC';
let offsets: Map<number, number> | undefined;
let parts: Intl.DateTimeFormat | undefined;

/** Sets the zone days are taken in (a ClickHouse `timezone()`), e.g. 'Europe/Berlin'. */
export function setPartitionTimeZone(timeZone: string): void {
  zone = UTC.has(timeZone) ? 'UTC' : timeZone;
  if (zone === 'UTC') {
    offsets = undefined;
    parts = undefined;
    return;
  }
  parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  offsets = new Map();
}

export function partitionTimeZone(): string {
  return zone;
}

/** The zone's offset from UTC at `seconds` since the epoch, in seconds. */
function offsetAt(seconds: number): number {
  const bucket = Math.floor(seconds / BUCKET_SECONDS);
  let offset = offsets!.get(bucket);
  if (offset === undefined) {
    const at = bucket * BUCKET_SECONDS;
    const p = Object.fromEntries(parts!.formatToParts(new Date(at * 1000)).map((x) => [x.type, x.value]));
    const local = Date.UTC(
      +p['year']!,
      +p['month']! - 1,
      +p['day']!,
      +p['hour']!,
      +p['minute']!,
      +p['second']!,
    );
    offset = Math.round(local / 1000 - at);
    if (offsets!.size >= CACHE_LIMIT) offsets!.clear();
    offsets!.set(bucket, offset);
  }
  return offset;
}

/**
 * The partition day of a time given as whole seconds since the epoch and its UTC day: the UTC day
 * itself on a UTC server (no work), else the day of the local time.
 */
export function partitionDayOf(seconds: number, utcDay: number): number {
  if (offsets === undefined || !Number.isFinite(seconds)) return utcDay;
  return Math.floor((seconds + offsetAt(seconds)) / SECONDS_PER_DAY);
}
