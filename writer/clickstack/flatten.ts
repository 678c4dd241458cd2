/**
 * Group A, step A3 (clickstack-processing.md §1.3): `flatten(attributes)` over the record's whole
 * attribute map, on every record of the default path. Separator `.`, no prefix, no depth limit:
 * a map becomes `parent.child` keys, array elements `key.0`, `key.1`, …, a map inside an array
 * `key.<i>.<child>`; an empty map or array yields no key at all; when two paths give the same flat
 * key the later one in iteration order wins (pdata maps keep insertion order).
 *
 * Divergence, chosen on purpose (the reference's advice): an array directly inside an array is
 * flattened like any other element (`k.0.0`), not copied whole or keyed `k.00` as contrib
 * versions do.
 *
 * The walk keeps its own stack, so a deeply nested producer attribute cannot overflow the call
 * stack of the writer.
 */
import type { Raw, RawMap } from '../decode/anyvalue.js';

function isMap(value: Raw): value is RawMap {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** True when flattening would change this value (it is a map or an array). */
export function needsFlatten(value: Raw): boolean {
  return Array.isArray(value) || isMap(value);
}

/**
 * The flattened attributes: keys unique, in first-insertion order, each holding the value of the
 * last path that produced it (the contract of a JavaScript Map, which matches pdata's PutEmpty).
 */
export function flattenAttributes(attributes: readonly (readonly [string, Raw])[]): Map<string, Raw> {
  const out = new Map<string, Raw>();
  // Pending [key, value] pairs, last element next: children are pushed in reverse so they pop in order.
  const stack: [string, Raw][] = [];
  for (let i = attributes.length - 1; i >= 0; i--) {
    const [key, value] = attributes[i]!;
    stack.push([key, value]);
  }
  while (stack.length > 0) {
    const [key, value] = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([`${key}.${i}`, value[i]!]);
    } else if (isMap(value)) {
      const entries = value.entries;
      // As contrib's flatten: a map's path joins with "." only when it is not empty (an attribute with
      // the key "" holding a map gives its children's keys bare); array elements always get ".<i>".
      const prefix = key === '' ? '' : `${key}.`;
      for (let i = entries.length - 1; i >= 0; i--) stack.push([prefix + entries[i]![0], entries[i]![1]]);
    } else {
      out.set(key, value);
    }
  }
  return out;
}
