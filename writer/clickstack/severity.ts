/**
 * Groups B, C and D (clickstack-processing.md §1.4–§1.6): severity from a level attribute, else
 * from the start of the body, then the text lower-cased. Groups B and C each run only while the
 * record has SeverityNumber 0 and SeverityText "" (checked when the group starts).
 */
import type { Raw } from '../decode/anyvalue.js';

export interface Severity {
  readonly text: string;
  readonly number: number;
}

/** B1: the attributes looked at, in this order. */
export const LEVEL_ATTRIBUTES = [
  'level',
  'Level',
  'LEVEL',
  'severity',
  'Severity',
  'SEVERITY',
  'log.level',
] as const;

/** Severity numbers of the classes (OTLP SeverityNumber of the first level of each). */
export const SEVERITY = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;

/** True when groups B and C may run: the producer set neither field. */
export function severityUnset(text: string, number: number): boolean {
  return number === 0 && text === '';
}

/** Looks up an attribute of the record after group A (undefined when absent). */
export type AttributeLookup = (key: string) => Raw | undefined;

/** B1: the first listed attribute that is a non-empty string, verbatim; '' when none. */
export function promoteLevelAttribute(lookup: AttributeLookup): string {
  for (const key of LEVEL_ATTRIBUTES) {
    const value = lookup(key);
    if (typeof value === 'string' && value !== '') return value;
  }
  return '';
}

/**
 * B2: six unanchored, case-insensitive substring tests, applied in order, each overwriting the
 * number, so the last matching class wins. Tested here from the last class back, first hit wins.
 * The patterns are ASCII and Go's case folding of them is ASCII-only, hence the ASCII fold.
 */
const B2_CLASSES: readonly [readonly string[], number][] = [
  [['trace'], SEVERITY.trace],
  [['debug', 'dbug'], SEVERITY.debug],
  [['info'], SEVERITY.info],
  [['warn', 'notice'], SEVERITY.warn],
  [['error', 'err'], SEVERITY.error],
  [['alert', 'crit', 'emerg', 'fatal'], SEVERITY.fatal],
];

function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** B2 then B3: the number of a promoted text; 9 (info) when no class matches. */
export function severityNumberOfText(text: string): number {
  const folded = asciiLower(text);
  for (const [needles, number] of B2_CLASSES) if (needles.some((n) => folded.includes(n))) return number;
  return SEVERITY.info;
}

/** C2: how much of the body is searched, in UTF-8 bytes. */
export const BODY_SCAN_BYTES = 256;

/**
 * C2: the longest prefix of `text` whose UTF-8 encoding fits in `bytes`. A character the byte cut
 * would split is dropped: upstream keeps its first bytes, which are non-word bytes just like a
 * missing character, so the keyword search sees the same thing.
 */
export function utf8Prefix(text: string, bytes: number): string {
  if (text.length * 3 <= bytes) return text;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : 3;
    if (used + size > bytes) return text.slice(0, i);
    used += size;
    if (size === 4) i++; // the low surrogate belongs to the same character
  }
  return text;
}

/**
 * C3: a leading ASCII word boundary, no trailing one; leftmost match, alternatives in this order.
 * Without the `u` flag, JavaScript's case-insensitive matching never maps a non-ASCII character to
 * an ASCII one, which is what Go's folding does for these letters.
 */
const C3_KEYWORD = /\b(alert|crit|emerg|fatal|error|err|warn|notice|debug|dbug|trace)/i;

const C4_CLASS: Readonly<Record<string, keyof typeof SEVERITY>> = {
  alert: 'fatal',
  crit: 'fatal',
  emerg: 'fatal',
  fatal: 'fatal',
  error: 'error',
  err: 'error',
  warn: 'warn',
  notice: 'warn',
  debug: 'debug',
  dbug: 'debug',
  trace: 'trace',
};

/** C1–C4: severity from the body's text (`Body().AsString()`); info/9 when no keyword. */
export function inferSeverityFromBody(bodyText: string): Severity {
  const match = C3_KEYWORD.exec(utf8Prefix(bodyText, BODY_SCAN_BYTES));
  const name = match ? (C4_CLASS[match[1]!.toLowerCase()] ?? 'info') : 'info';
  return { text: name, number: SEVERITY[name] };
}

/**
 * D: Go's strings.ToLower, which maps each code point by Unicode's simple lower-case mapping.
 * JavaScript's toLowerCase uses the full, context-sensitive mapping; applied per code point the
 * two agree except for U+0130 (İ), which Go maps to a plain `i`.
 */
export function goToLower(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return out;
}

/** B → C → D for one record, given its attributes after group A. */
export function applySeverityRules(
  producer: Severity,
  lookup: AttributeLookup,
  bodyText: () => string,
): Severity {
  let { text, number } = producer;
  if (severityUnset(text, number)) {
    const promoted = promoteLevelAttribute(lookup);
    if (promoted !== '') {
      text = promoted;
      number = severityNumberOfText(promoted);
    }
  }
  if (severityUnset(text, number)) ({ text, number } = inferSeverityFromBody(bodyText()));
  return { text: goToLower(text), number };
}
