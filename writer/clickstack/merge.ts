/**
 * Group A, steps A2 and A4 (clickstack-processing.md §1.3): merging parsed or map-body entries
 * into the attributes. Both are upserts with pdata semantics: an existing key keeps its place and
 * takes the new value (the first of duplicate keys is the one pdata's Put finds), a new key is
 * appended; the other attributes stay.
 */
import type { Raw } from '../decode/anyvalue.js';

/** A2: the JSON object's entries upserted into a copy of the wire-order attribute list. */
export function upsertEntries(
  attributes: readonly (readonly [string, Raw])[],
  entries: readonly (readonly [string, Raw])[],
): [string, Raw][] {
  const out: [string, Raw][] = attributes.map(([k, v]) => [k, v]);
  const index = new Map<string, number>();
  for (let i = out.length - 1; i >= 0; i--) index.set(out[i]![0], i);
  for (const [key, value] of entries) {
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push([key, value]);
    } else out[at]![1] = value;
  }
  return out;
}

/**
 * A4: a map body's top-level entries upserted into the flattened attributes, after A3, so their
 * nested maps and arrays stay whole (the exporter stores them as JSON text).
 */
export function mergeMapBody(
  attributes: Map<string, Raw>,
  entries: readonly (readonly [string, Raw])[],
): void {
  for (const [key, value] of entries) attributes.set(key, value);
}
