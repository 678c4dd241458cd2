/**
 * Walks Resource* → Scope* → items of an Export*ServiceRequest as decode/common.ts forEachItem does
 * (same fields, same any-order containers, same resource and scope values, from the decoder's own
 * functions) but with the transcoder's cursor: no object per item, and an item's bytes are only
 * read once, by the signal's walker.
 */
import { WIRE_LEN } from '../../schemas/otlp/wire.js';
import { utf8 } from '../decode/anyvalue.js';
import { type ResourceInfo, type ScopeInfo, resourceInfo, scopeInfo } from '../decode/common.js';
import { Ranges } from './attributes.js';
import { Cursor } from './cursor.js';

export type ItemVisitor = (resource: ResourceInfo, scope: ScopeInfo, start: number, end: number) => void;

const c = new Cursor(new Uint8Array(0), 0, 0);

interface Header {
  start: number;
  end: number;
}

/** Reads a container at c (fields 1 header, 2 children, 3 schema_url); children go to `into`. */
function container(
  bytes: Uint8Array,
  start: number,
  end: number,
  into: Ranges,
): { header: Header | undefined; schemaUrl: string } {
  let header: Header | undefined;
  let schemaUrl = '';
  into.clear();
  c.reset(bytes, start, end);
  while (c.pos < c.end) {
    const key = c.tag();
    if ((key & 7) !== WIRE_LEN) {
      c.skip(key & 7);
      continue;
    }
    const e = c.enter();
    const field = key >>> 3;
    if (field === 1) header = { start: c.pos, end: e };
    else if (field === 2) into.push(c.pos, e);
    else if (field === 3) schemaUrl = utf8(bytes, c.pos, e);
    c.pos = e;
  }
  return { header, schemaUrl };
}

export function walkItems(bytes: Uint8Array, visit: ItemVisitor): void {
  const scopes = new Ranges();
  const items = new Ranges();
  let pos = 0;
  while (pos < bytes.length) {
    c.reset(bytes, pos, bytes.length);
    const key = c.tag();
    if (key !== 0x0a) {
      c.skip(key & 7);
      pos = c.pos;
      continue;
    }
    const re = c.enter();
    const rs = c.pos;
    pos = re;
    const r = container(bytes, rs, re, scopes);
    const resource = resourceInfo(bytes, r.header, r.schemaUrl);
    for (let i = 0; i < scopes.count; i++) {
      const s = container(bytes, scopes.data[2 * i]!, scopes.data[2 * i + 1]!, items);
      const scope = scopeInfo(bytes, s.header, s.schemaUrl);
      for (let j = 0; j < items.count; j++)
        visit(resource, scope, items.data[2 * j]!, items.data[2 * j + 1]!);
    }
  }
}
