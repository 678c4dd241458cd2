/**
 * ClickStack's logs routing (clickstack-processing.md §1.1): the collector's routing connector
 * sends a record to the session-replay table when `IsMatch(attributes["rr-web.event"], ".*")`
 * holds. OTTL stringifies any typed value before matching and `.*` matches every string, so the
 * rule is "the attribute is present with a value of any type except the OTLP empty value". Only
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
  for (const [key, value] of attributes) if (key === SESSION_ATTRIBUTE) return value !== null;
  return false;
}
