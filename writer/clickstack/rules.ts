/**
 * The ClickStack collector's processing of log records (hyperdx 2.36; clickstack-processing.md
 * §1), as pure functions of one record. The writer applies them to every log record that is not a
 * session replay when `writer.logProcessing` is `clickstack`; Kafka keeps the raw OTLP, so a rule
 * change reaches old data by a replay.
 *
 * Interface (for the row decoder and the wire → RowBinary transcoder):
 *
 *   isSessionRecord(attributes)            route.ts: true → hyperdx_sessions, no rule applies
 *   logNeedsRules(body, attributes, severityText, severityNumber)
 *                                          cheap test; false → write the record as the plain
 *                                          exporter would (attributes sorted, severity as sent)
 *   applyLogRules(input) → LogRuleResult   the changes: attributes (null = unchanged) and severity
 *
 * Inputs are what a decoder has anyway: the body as an AnyValue (`Raw`: a string body is a JS
 * string, a kvlist is `{ entries }` in wire order, the empty value is null), optionally its
 * `AsString()` text (the Body column), the record's attributes as [key, AnyValue] in wire order
 * (duplicates as sent), and the producer's severity text and number. Nothing else of the record
 * matters; Body and every other column are never changed.
 *
 * Determinism: the output depends only on these inputs and LOG_RULES_VERSION. Where upstream is
 * nondeterministic (Go map order of JSON keys) a fixed order is chosen; see json-body.ts.
 */
import { type Attributes, type Raw, asString, sortAttributes } from '../decode/anyvalue.js';
import { flattenAttributes, needsFlatten } from './flatten.js';
import { findJsonCandidate, parseJsonObject } from './json-body.js';
import { mergeMapBody, upsertEntries } from './merge.js';
import { type AttributeLookup, type Severity, applySeverityRules, severityUnset } from './severity.js';

/**
 * Pinned version of these rules. Batch plans record it: a batch rebuilt under another version may
 * hold other rows, so it must not reuse the old plan's dedup tokens. Bump the suffix on any change
 * of output.
 */
export const LOG_RULES_VERSION = 'clickstack-2.36/2';

/** `writer.logProcessing`. */
export type LogProcessing = 'clickstack' | 'none';

/** The rule version a batch of log rows depends on, for the given mode. */
export function logRulesVersion(mode: LogProcessing): string {
  return mode === 'clickstack' ? LOG_RULES_VERSION : 'none';
}

export interface LogRuleInput {
  readonly body: Raw;
  /** `AsString()` of the body; computed from `body` when absent. */
  readonly bodyText?: string;
  readonly attributes: readonly (readonly [string, Raw])[];
  readonly severityText: string;
  readonly severityNumber: number;
}

export interface LogRuleResult {
  /**
   * LogAttributes as stored: [key, AsString(value)] with unique keys sorted by key; null when the
   * rules leave them as `sortAttributes(input.attributes)` would (no duplicate keys to collapse).
   */
  readonly attributes: Attributes | null;
  readonly severityText: string;
  readonly severityNumber: number;
}

function isKvlist(body: Raw): body is { entries: [string, Raw][] } {
  return body !== null && typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array);
}

/** True when two attributes share a key (A3's flatten collapses them, the later winning). */
function hasDuplicateKeys(attributes: readonly (readonly [string, Raw])[]): boolean {
  const n = attributes.length;
  if (n > 32) return new Set(attributes.map(([key]) => key)).size !== n;
  for (let i = 1; i < n; i++)
    for (let j = 0; j < i; j++) if (attributes[i]![0] === attributes[j]![0]) return true;
  return false;
}

/**
 * True when group A can change the attributes: a map body, a `{…}` string body, a nested attribute,
 * or duplicate keys.
 */
function attributesNeedRules(body: Raw, attributes: readonly (readonly [string, Raw])[]): boolean {
  if (typeof body === 'string') {
    if (body.includes('{') && body.includes('}')) return true;
  } else if (isKvlist(body)) return true;
  for (const [, value] of attributes) if (needsFlatten(value)) return true;
  return hasDuplicateKeys(attributes);
}

/** True when group D would change the producer's text, or B/C may set the severity. */
function severityNeedsRules(text: string, number: number): boolean {
  if (severityUnset(text, number)) return true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c >= 0x80) return true;
  }
  return false;
}

/**
 * Cheap pre-test: false means applyLogRules would return the attributes unchanged and the
 * severity as sent, so a caller may skip it (the common case: plain-text body, severity set in
 * lower case, flat attributes).
 */
export function logNeedsRules(
  body: Raw,
  attributes: readonly (readonly [string, Raw])[],
  severityText: string,
  severityNumber: number,
): boolean {
  return severityNeedsRules(severityText, severityNumber) || attributesNeedRules(body, attributes);
}

/** Groups A → B → C → D on one record of the default (non-session) path. */
export function applyLogRules(input: LogRuleInput): LogRuleResult {
  const { body } = input;
  let attributes: Attributes | null = null;
  let lookup: AttributeLookup;
  if (attributesNeedRules(body, input.attributes)) {
    // A1–A2: a JSON object in a string body, upserted into the attributes.
    let merged: readonly (readonly [string, Raw])[] = input.attributes;
    if (typeof body === 'string') {
      const candidate = findJsonCandidate(body);
      const entries = candidate === undefined ? undefined : parseJsonObject(candidate);
      if (entries) merged = upsertEntries(input.attributes, entries);
    }
    // A3: flatten everything; A4: a map body's entries on top, unflattened.
    const flat = flattenAttributes(merged);
    if (isKvlist(body)) mergeMapBody(flat, body.entries);
    attributes = sortAttributes([...flat]);
    lookup = (key) => flat.get(key);
  } else {
    // Flat and no key twice: A3 changes nothing.
    const list = input.attributes;
    lookup = (key) => {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]![0] === key) return list[i]![1];
      return undefined;
    };
  }
  const producer: Severity = { text: input.severityText, number: input.severityNumber };
  const severity = severityNeedsRules(producer.text, producer.number)
    ? applySeverityRules(producer, lookup, () => input.bodyText ?? asString(body))
    : producer;
  return { attributes, severityText: severity.text, severityNumber: severity.number };
}
