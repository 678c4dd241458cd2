/**
 * ClickStack's logs routing (clickstack-processing.md §1.1): the collector's routing connector
 * sends a record to the session-replay table when `IsMatch(attributes["rr-web.event"], ".*")`
 * holds. OTTL stringifies any typed value before matching and `.*` matches every string, so the
 * rule is "the attribute is present with a value of any type except the OTLP empty value" (and
 * except values Go cannot write as JSON: NaN/±Inf, alone or inside a map or array). Only
 * the record's own attributes count (not resource or scope ones), and routing happens before any
 * processing: a JSON body carrying the key does not route.
 */
import type { Raw } from '../decode/anyvalue.js';

/** The log-record attribute that marks a browser session-replay event. */
export const SESSION_ATTRIBUTE = 'rr-web.event';

/**
 * True when the record belongs in hyperdx_sessions. `attributes` in wire order; with duplicate
 * keys the first one decides, as pdata's Map.Get returns the first match.
 */
export function isSessionRecord(attributes: readonly (readonly [string, Raw])[]): boolean {
  for (const [key, value] of attributes) if (key === SESSION_ATTRIBUTE) return routesAsSession(value);
  return false;
}

/**
 * Whether an `rr-web.event` value routes. OTTL turns a double, map or array into JSON before
 * matching; Go's JSON refuses NaN and ±Inf, the condition errors, and with `error_mode: ignore` the
 * record takes the default route (seen in bench/parity.ts). The empty value never routes.
 */
export function routesAsSession(value: Raw): boolean {
  return value !== null && !jsonRefuses(value);
}

function jsonRefuses(value: Raw): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(jsonRefuses);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return false;
  // A Go map: of a duplicated key only the later value is marshalled.
  const entries = value.entries;
  return entries.some(([key, v], i) => !entries.some(([k], j) => j > i && k === key) && jsonRefuses(v));
}
