/**
 * Cheap facts about a log record, read from its bytes, for deciding whether log processing rules can
 * change it (then it is decoded and processed) or not (then it stays on the fast path).
 * `clickStackMayChange` is a conservative reading of reference/clickstack-processing.md §1: it says
 * "may change" whenever any rule could apply; whoever writes the rules keeps it in step with them.
 */
import type { Ranges } from './attributes.js';
import { Cursor } from './cursor.js';

export type ValueKind = 'none' | 'string' | 'bool' | 'int' | 'double' | 'array' | 'map' | 'bytes';

export interface LogFacts {
  readonly severityNumber: number;
  /**
   * '' when empty, 'lower' when ASCII without upper-case letters, 'upper' when ASCII with some
   * (rule D lower-cases it: the fast path does that itself), 'other' when it has a non-ASCII byte.
   */
  readonly severityText: '' | 'lower' | 'upper' | 'other';
  /** The body's AnyValue kind (the last value field, as the decoder takes it). */
  readonly body: ValueKind;
  /** A string body with a `{` in it (a JSON candidate). */
  readonly bodyHasBrace: boolean;
  /** Some attribute's value is a map or an array (flattening would rewrite it). */
  readonly structuredAttribute: boolean;
}

const KINDS: Record<number, ValueKind> = {
  0x0a: 'string',
  0x10: 'bool',
  0x18: 'int',
  0x21: 'double',
  0x2a: 'array',
  0x32: 'map',
  0x3a: 'bytes',
};

const c = new Cursor(new Uint8Array(0), 0, 0);

/** Kind of the AnyValue at bytes[s, e); its last string field's range is left in c.pos..stringEnd. */
export function valueKind(bytes: Uint8Array, s: number, e: number): ValueKind {
  c.reset(bytes, s, e);
  let kind: ValueKind = 'none';
  while (c.pos < c.end) {
    const key = c.tag();
    kind = KINDS[key] ?? kind;
    c.skip(key & 7);
  }
  return kind;
}

function stringHasBrace(bytes: Uint8Array, s: number, e: number): boolean {
  c.reset(bytes, s, e);
  let found = false;
  while (c.pos < c.end) {
    const key = c.tag();
    if (key === 0x0a) {
      const end = c.enter();
      found = false;
      for (let i = c.pos; i < end; i++)
        if (bytes[i] === 0x7b) {
          found = true;
          break;
        }
      c.pos = end;
    } else c.skip(key & 7);
  }
  return found;
}

/** `ranges` as the logs walker keeps them: severity text at [4, 5], body at [6, 7]. */
export function logFacts(
  bytes: Uint8Array,
  severityNumber: number,
  ranges: Int32Array,
  attributes: Ranges,
): LogFacts {
  let severityText: LogFacts['severityText'] = '';
  const ts = ranges[4]!;
  const te = ranges[5]!;
  if (ts >= 0 && te > ts) {
    severityText = 'lower';
    for (let i = ts; i < te; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) {
        severityText = 'other';
        break;
      }
      if (b >= 0x41 && b <= 0x5a) severityText = 'upper';
    }
  }
  const bs = ranges[6]!;
  const body = bs < 0 ? 'none' : valueKind(bytes, bs, ranges[7]!);
  const bodyHasBrace = body === 'string' && stringHasBrace(bytes, bs, ranges[7]!);
  let structuredAttribute = false;
  for (let i = 0; i < attributes.count && !structuredAttribute; i++) {
    const kv = new Cursor(bytes, attributes.data[2 * i]!, attributes.data[2 * i + 1]!);
    while (kv.pos < kv.end) {
      const key = kv.tag();
      if (key === 0x12) {
        const end = kv.enter();
        const kind = valueKind(bytes, kv.pos, end);
        structuredAttribute = kind === 'array' || kind === 'map';
        kv.pos = end;
      } else kv.skip(key & 7);
    }
  }
  return { severityNumber, severityText, body, bodyHasBrace, structuredAttribute };
}

/**
 * Whether the ClickStack rules (§1.3–1.6) may change a record with these facts beyond what the fast
 * path does itself (lower-casing ASCII severity text, rule D): a JSON candidate or a map body
 * (A1–A4), a map or array attribute (A3 flattening), no severity at all (B/C inference), or
 * non-ASCII severity text (D's Unicode lower-casing). A superset of clickstack/rules.ts
 * logNeedsRules less that one case; the differential test holds it to the decoder's output.
 */
export function clickStackMayChange(facts: LogFacts): boolean {
  if (facts.body === 'map' || facts.bodyHasBrace || facts.structuredAttribute) return true;
  if (facts.severityText === 'other') return true;
  return facts.severityText === '' && facts.severityNumber === 0;
}
