/**
 * ExportTraceServiceRequest bytes → otel_traces RowBinary, one walk per span. Mirrors
 * decode/traces.ts field for field (same wire-type checks, same last-one-wins), and hands a span to
 * that decoder when the fast writers cannot reproduce it exactly (a non-ASCII attribute key).
 */
import { TABLES } from '../../schemas/ddl.js';
import type { ResourceInfo, ScopeInfo } from '../decode/common.js';
import { walkItems } from './items.js';
import { spanRow } from '../decode/traces.js';
import type { ByteWriter } from '../rowbinary.js';
import { Ranges, writeAttributes } from './attributes.js';
import { Cursor } from './cursor.js';
import { type Plan, constBlocks, planFor } from './plan.js';
import { TRACES_SPEC } from './specs.js';
import type { Run } from './run.js';
import { copyBlock, copyString, writeHex } from './text.js';
import { Time, dayOf, writeDuration, writeTime } from './time.js';

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];
/** Those words as RowBinary Strings, and the empty String for any other number. */
const asStrings = (words: string[]): Buffer[] => words.map((w) => Buffer.from([w.length, ...Buffer.from(w)]));
const KIND_BYTES = asStrings(SPAN_KINDS);
const STATUS_BYTES = asStrings(STATUS_CODES);
const EMPTY = Buffer.from([0]);

/** The time the clamp sees (the partition time, as the batch rules say), on the materialized path too. */
const TIME_COLUMNS = ['Timestamp'];

// The span being written. Ranges are [start, end) in the record; -1 = absent.
const c = new Cursor(new Uint8Array(0), 0, 0);
const ids = new Int32Array(6); // trace, span, parent: start/end pairs
const strs = new Int32Array(6); // trace state, name, status message
let kind = 0;
let statusCode = 0;
const startTime = new Time();
const endTime = new Time();
const stored = new Time();
const eventTime = new Time();
const attributes = new Ranges();
/** Per event: time lo, hi, name start, end, first attribute, attribute count. */
const events = new Ranges();
const eventMeta = new Ranges();
const eventAttributes = new Ranges();
/** Per link: trace id start/end, span id start/end, state start/end; attributes like events. */
const links = new Ranges();
const linkMore = new Ranges();
const linkMeta = new Ranges();
const linkAttributes = new Ranges();

function walkSpan(bytes: Uint8Array, start: number, end: number): void {
  ids.fill(-1);
  strs.fill(-1);
  kind = 0;
  statusCode = 0;
  startTime.setZero();
  endTime.setZero();
  attributes.clear();
  events.clear();
  eventMeta.clear();
  eventAttributes.clear();
  links.clear();
  linkMore.clear();
  linkMeta.clear();
  linkAttributes.clear();
  c.reset(bytes, start, end);
  while (c.pos < c.end) {
    const key = c.tag();
    switch (key) {
      case 0x0a:
      case 0x12:
      case 0x22: {
        const slot = key === 0x0a ? 0 : key === 0x12 ? 2 : 4;
        const e = c.enter();
        ids[slot] = c.pos;
        ids[slot + 1] = e;
        c.pos = e;
        break;
      }
      case 0x1a:
      case 0x2a: {
        const slot = key === 0x1a ? 0 : 2;
        const e = c.enter();
        strs[slot] = c.pos;
        strs[slot + 1] = e;
        c.pos = e;
        break;
      }
      case 0x30:
        kind = c.varint();
        break;
      case 0x39:
        startTime.read(bytes, c.skip8());
        break;
      case 0x41:
        endTime.read(bytes, c.skip8());
        break;
      case 0x4a: {
        const e = c.enter();
        attributes.push(c.pos, e);
        c.pos = e;
        break;
      }
      case 0x5a:
        walkEvent(bytes);
        break;
      case 0x6a:
        walkLink();
        break;
      case 0x7a:
        walkStatus();
        break;
      default:
        c.skip(key & 7);
    }
  }
}

/** Nested walks share the cursor: they move `end` in and restore it. */
function walkEvent(bytes: Uint8Array): void {
  const outer = c.end;
  c.end = c.enter();
  let lo = 0;
  let hi = 0;
  let ns = -1;
  let ne = -1;
  const first = eventAttributes.count;
  while (c.pos < c.end) {
    const key = c.tag();
    if (key === 0x09) {
      const p = c.skip8();
      eventTime.read(bytes, p);
      lo = eventTime.lo;
      hi = eventTime.hi;
    } else if (key === 0x12) {
      ne = c.enter();
      ns = c.pos;
      c.pos = ne;
    } else if (key === 0x1a) {
      const e = c.enter();
      eventAttributes.push(c.pos, e);
      c.pos = e;
    } else c.skip(key & 7);
  }
  events.push(lo, hi);
  eventMeta.push(ns, ne);
  eventMeta.push(first, eventAttributes.count - first);
  c.end = outer;
}

function walkLink(): void {
  const outer = c.end;
  c.end = c.enter();
  let ts = -1;
  let te = -1;
  let ss = -1;
  let se = -1;
  let rs = -1;
  let re = -1;
  const first = linkAttributes.count;
  while (c.pos < c.end) {
    const key = c.tag();
    if (key === 0x0a || key === 0x12 || key === 0x1a) {
      const e = c.enter();
      if (key === 0x0a) [ts, te] = [c.pos, e];
      else if (key === 0x12) [ss, se] = [c.pos, e];
      else [rs, re] = [c.pos, e];
      c.pos = e;
    } else if (key === 0x22) {
      const e = c.enter();
      linkAttributes.push(c.pos, e);
      c.pos = e;
    } else c.skip(key & 7);
  }
  links.push(ts, te);
  linkMore.push(ss, se);
  linkMeta.push(rs, re);
  linkMeta.push(first, linkAttributes.count - first);
  c.end = outer;
}

function walkStatus(): void {
  const outer = c.end;
  c.end = c.enter();
  let code = 0;
  let ms = -1;
  let me = -1;
  while (c.pos < c.end) {
    const key = c.tag();
    if (key === 0x12) {
      me = c.enter();
      ms = c.pos;
      c.pos = me;
    } else if (key === 0x18) code = c.varint();
    else c.skip(key & 7);
  }
  // A status message replaces the earlier one even when empty: readStatus starts each status afresh.
  statusCode = code;
  strs[4] = ms;
  strs[5] = me;
  c.end = outer;
}

function str(out: ByteWriter, bytes: Uint8Array, s: number, e: number): void {
  if (s < 0) out.u8(0);
  else copyString(out, bytes, s, e);
}

function id(out: ByteWriter, bytes: Uint8Array, s: number, e: number): void {
  if (s < 0) out.u8(0);
  else writeHex(out, bytes, s, e, true);
}

/** Writes the walked span; false when it must be written by the decoder instead. */
function writeSpan(out: ByteWriter, bytes: Uint8Array, plan: Plan, blocks: Buffer[]): boolean {
  for (const step of plan.steps) {
    switch (step.id) {
      case -1:
        copyBlock(out, blocks[step.run]!);
        break;
      case 1:
        writeTime(out, stored, step.time!);
        break;
      case 2:
      case 3:
      case 4: {
        const slot = (step.id - 2) * 2;
        id(out, bytes, ids[slot]!, ids[slot + 1]!);
        break;
      }
      case 5:
      case 6:
        str(out, bytes, strs[(step.id - 5) * 2]!, strs[(step.id - 5) * 2 + 1]!);
        break;
      case 7:
        copyBlock(out, KIND_BYTES[kind] ?? EMPTY);
        break;
      case 8:
        if (!writeAttributes(out, bytes, attributes)) return false;
        break;
      case 9:
        if (step.generic) {
          const s = startTime.toBigInt();
          const e = endTime.toBigInt();
          step.encode(out, e > s ? e - s : 0n);
        } else writeDuration(out, startTime, endTime);
        break;
      case 10:
        copyBlock(out, STATUS_BYTES[statusCode] ?? EMPTY);
        break;
      case 11:
        str(out, bytes, strs[4]!, strs[5]!);
        break;
      case 12: {
        out.varint(events.count);
        for (let i = 0; i < events.count; i++) {
          // Ranges holds int32: the words come back unsigned.
          eventTime.lo = events.data[2 * i]! >>> 0;
          eventTime.hi = events.data[2 * i + 1]! >>> 0;
          eventTime.big = null;
          writeTime(out, eventTime, step.time!);
        }
        break;
      }
      case 13:
        out.varint(events.count);
        for (let i = 0; i < events.count; i++)
          str(out, bytes, eventMeta.data[4 * i]!, eventMeta.data[4 * i + 1]!);
        break;
      case 14:
        out.varint(events.count);
        for (let i = 0; i < events.count; i++)
          if (
            !writeAttributes(
              out,
              bytes,
              eventAttributes,
              eventMeta.data[4 * i + 2],
              eventMeta.data[4 * i + 3],
            )
          )
            return false;
        break;
      case 15:
      case 16: {
        const list = step.id === 15 ? links : linkMore;
        out.varint(links.count);
        for (let i = 0; i < links.count; i++) id(out, bytes, list.data[2 * i]!, list.data[2 * i + 1]!);
        break;
      }
      case 17:
        out.varint(links.count);
        for (let i = 0; i < links.count; i++)
          str(out, bytes, linkMeta.data[4 * i]!, linkMeta.data[4 * i + 1]!);
        break;
      case 18:
        out.varint(links.count);
        for (let i = 0; i < links.count; i++)
          if (
            !writeAttributes(out, bytes, linkAttributes, linkMeta.data[4 * i + 2], linkMeta.data[4 * i + 3])
          )
            return false;
        break;
    }
  }
  return true;
}

let runClamp: Run['clamp'];

export function transcodeTraces(bytes: Uint8Array, run: Run): void {
  const plan = planFor(run.shape(TABLES.traces), TRACES_SPEC);
  runClamp = run.clamp;
  walkItems(bytes, (resource: ResourceInfo, scope: ScopeInfo, start: number, end: number) => {
    if (!plan.fast) {
      run.writeRow(TABLES.traces, spanRow(bytes, start, end, resource, scope), TIME_COLUMNS, 'Timestamp');
      return;
    }
    walkSpan(bytes, start, end);
    stored.copy(startTime);
    runClamp?.apply(stored);
    const out = run.sink(TABLES.traces, dayOf(stored));
    const rowStart = out.length;
    if (!writeSpan(out, bytes, plan, constBlocks(plan, resource, scope))) {
      out.length = rowStart;
      run.uncount(TABLES.traces, dayOf(stored));
      run.writeRow(TABLES.traces, spanRow(bytes, start, end, resource, scope), TIME_COLUMNS, 'Timestamp');
    }
  });
}
