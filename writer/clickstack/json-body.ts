/**
 * Group A, steps A1–A2 (clickstack-processing.md §1.3): find a JSON object in a string body and
 * parse it into attribute values.
 *
 * A1 upstream is the RE2 regex `\{.*\}` (`.` excludes only `\n`; leftmost, greedy): the candidate
 * runs from the first `{` of the first line that has a `}` after it to the last `}` on that line.
 * It is found here by a linear scan instead of a regex, because a backtracking regex is quadratic
 * on a hostile line of many `{` and no `}`.
 *
 * A2 upstream is ParseJSON (Go): one strict JSON value, numbers always float64, null → empty,
 * duplicate keys → the last wins; any failure skips the statement (nothing merged). JSON.parse has
 * the same grammar; a number outside float64 range, which Go refuses, is refused here too.
 * Go yields object keys in random map order, so collisions between JSON keys are nondeterministic
 * upstream; here every object's keys are sorted by UTF-16 code unit order so rows depend only on
 * the bytes.
 */
import type { Raw } from '../decode/anyvalue.js';

/** The A1 candidate, or undefined when the body has none. */
export function findJsonCandidate(body: string): string | undefined {
  let lineStart = 0;
  while (lineStart <= body.length) {
    let lineEnd = body.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = body.length;
    const open = body.indexOf('{', lineStart);
    if (open < 0) return undefined; // no `{` anywhere later
    if (open < lineEnd) {
      // Scan back within this line only, so the whole search stays linear in the body length.
      for (let close = lineEnd - 1; close > open; close--)
        if (body.charCodeAt(close) === 0x7d) return body.slice(open, close + 1);
      lineStart = lineEnd + 1;
    } else {
      // Skip to the line holding the next `{`.
      const nl = body.lastIndexOf('\n', open);
      lineStart = nl + 1;
    }
  }
  return undefined;
}

class NotRepresentable extends Error {}

/** Converts JSON.parse output bottom-up into attribute values (objects → sorted entries). */
function revive(_key: string, value: unknown): Raw {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new NotRepresentable();
    return value;
  }
  if (Array.isArray(value)) return value as Raw[];
  const object = value as Record<string, Raw>;
  const keys = Object.keys(object).sort();
  return { entries: keys.map((k) => [k, object[k] ?? null]) };
}

/**
 * The top-level entries of the candidate when it is one JSON object, else undefined (parse
 * failure, too deep to parse, or a number out of range: upstream skips the statement).
 */
export function parseJsonObject(candidate: string): [string, Raw][] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(candidate, revive);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  return (parsed as { entries: [string, Raw][] }).entries;
}
