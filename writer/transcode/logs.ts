/**
 * ExportLogsServiceRequest bytes → otel_logs and hyperdx_sessions RowBinary, one walk per log record.
 * Mirrors decode/logs.ts. Session replays (writer/clickstack/route.ts: the first rr-web.event
 * attribute, with a value) are routed first and never processed. With ClickStack log processing on
 * (the default, as in decodeRecord), a record goes through the decoder and the rules
 * (decode/logs.ts logRecordRow) unless cheap facts of the walk show that the rules leave it
 * untouched (clickStackMayChange, a superset of clickstack/rules.ts logNeedsRules); then it stays on
 * the fast path.
 */
import { TABLES } from '../../schemas/ddl.js';
import { SESSION_ATTRIBUTE, routesAsSession } from '../clickstack/route.js';
import { readAnyValue } from '../decode/anyvalue.js';
import type { LogProcessing } from '../clickstack/rules.js';
import type { ResourceInfo, ScopeInfo } from '../decode/common.js';
import { logRecordRow } from '../decode/logs.js';
import type { ByteWriter } from '../rowbinary.js';
import { Ranges, writeAttributes } from './attributes.js';
import { Cursor } from './cursor.js';
import { clickStackMayChange, logFacts, valueKind } from './log-facts.js';
import { walkItems } from './items.js';
import { constBlocks, planFor } from './plan.js';
import { LOGS_SPEC } from './specs.js';
import type { Run } from './run.js';
import { copyBlock, copyString, writeAnyValue, writeHex } from './text.js';
import { Time, dayOf, writeTime } from './time.js';

export interface LogHooks {
  /** `writer.logProcessing`; `clickstack` when absent, as decodeRecord. */
  readonly logProcessing?: LogProcessing | undefined;
}

const TIME_COLUMNS = ['Timestamp'];
const SESSION_KEY = Buffer.from(SESSION_ATTRIBUTE);

const c = new Cursor(new Uint8Array(0), 0, 0);
const time = new Time();
const observed = new Time();
let severityNumber = 0;
/** Rule D on the fast path: the record's severity text is ASCII with upper-case letters, stored lower-cased. */
let lowerSeverity = false;
let flags = 0;
/** LogAttributes with duplicate keys collapsed (the later winning): ClickStack mode, otel_logs. */
let dedupe = false;
/** Start/end pairs: trace id, span id, severity text, body, event name (-1: absent). */
const ranges = new Int32Array(10);
const attributes = new Ranges();

function walkLog(bytes: Uint8Array, start: number, end: number): void {
  time.setZero();
  observed.setZero();
  severityNumber = 0;
  flags = 0;
  ranges.fill(-1);
  attributes.clear();
  c.reset(bytes, start, end);
  while (c.pos < c.end) {
    const key = c.tag();
    let slot = -1;
    switch (key) {
      case 0x09:
        time.read(bytes, c.skip8());
        continue;
      case 0x59:
        observed.read(bytes, c.skip8());
        continue;
      case 0x10:
        severityNumber = c.varint();
        continue;
      case 0x45:
        flags = c.fixed32();
        continue;
      case 0x32: {
        const e = c.enter();
        attributes.push(c.pos, e);
        c.pos = e;
        continue;
      }
      case 0x4a:
        slot = 0;
        break;
      case 0x52:
        slot = 2;
        break;
      case 0x1a:
        slot = 4;
        break;
      case 0x2a:
        slot = 6;
        break;
      case 0x62:
        slot = 8;
        break;
      default:
        c.skip(key & 7);
        continue;
    }
    const e = c.enter();
    ranges[slot] = c.pos;
    ranges[slot + 1] = e;
    c.pos = e;
  }
}

/** Whether bytes[s, e) spell the session attribute's key (exactly: a byte-order mark makes another key). */
function isSessionKey(bytes: Uint8Array, s: number, e: number): boolean {
  if (e - s !== SESSION_KEY.length) return false;
  for (let j = 0; j < SESSION_KEY.length; j++) if (bytes[s + j] !== SESSION_KEY[j]) return false;
  return true;
}

/** route.ts isSessionRecord on the wire: the first attribute with the key decides, by having a value. */
function isSession(bytes: Uint8Array): boolean {
  for (let i = 0; i < attributes.count; i++) {
    c.reset(bytes, attributes.data[2 * i]!, attributes.data[2 * i + 1]!);
    // A KeyValue's last key and last value count, as the decoder reads it.
    let keyStart = -1;
    let keyEnd = -1;
    let valueStart = -1;
    let valueEnd = -1;
    while (c.pos < c.end) {
      const key = c.tag();
      if (key !== 0x0a && key !== 0x12) {
        c.skip(key & 7);
        continue;
      }
      const e = c.enter();
      if (key === 0x0a) {
        keyStart = c.pos;
        keyEnd = e;
      } else {
        valueStart = c.pos;
        valueEnd = e;
      }
      c.pos = e;
    }
    if (keyStart >= 0 && isSessionKey(bytes, keyStart, keyEnd)) {
      if (valueStart < 0) return false;
      const kind = valueKind(bytes, valueStart, valueEnd);
      // Values OTTL writes as JSON (which may fail on NaN/±Inf): the decoder's rule, on this rare path.
      if (kind === 'double' || kind === 'array' || kind === 'map')
        return routesAsSession(readAnyValue(bytes, valueStart, valueEnd));
      return kind !== 'none';
    }
  }
  return false;
}

/** An ASCII protobuf string at bytes[s, e) as a RowBinary String, A-Z lower-cased. */
function copyAsciiLower(out: ByteWriter, bytes: Uint8Array, s: number, e: number): void {
  out.varint(e - s);
  const buf = out.room(e - s);
  let p = out.length;
  for (let i = s; i < e; i++) {
    const b = bytes[i]!;
    buf[p++] = b >= 0x41 && b <= 0x5a ? b + 32 : b;
  }
  out.length = p;
}

function str(out: ByteWriter, bytes: Uint8Array, slot: number, hex: boolean): void {
  const s = ranges[slot]!;
  if (s < 0) out.u8(0);
  else if (hex) writeHex(out, bytes, s, ranges[slot + 1]!, true);
  else copyString(out, bytes, s, ranges[slot + 1]!);
}

function writeLog(
  out: ByteWriter,
  bytes: Uint8Array,
  table: string,
  run: Run,
  resource: ResourceInfo,
  scope: ScopeInfo,
): boolean {
  const plan = planFor(run.shape(table), LOGS_SPEC);
  const blocks = constBlocks(plan, resource, scope);
  for (const step of plan.steps) {
    switch (step.id) {
      case -1: {
        const block = blocks[step.run]!;
        copyBlock(out, block);
        break;
      }
      case 1:
        writeTime(out, time, step.time!);
        break;
      case 2:
        str(out, bytes, 0, true);
        break;
      case 3:
        str(out, bytes, 2, true);
        break;
      case 4:
        if (step.generic) step.encode(out, flags & 0xff);
        else out.u8(flags & 0xff);
        break;
      case 5:
        if (lowerSeverity) copyAsciiLower(out, bytes, ranges[4]!, ranges[5]!);
        else str(out, bytes, 4, false);
        break;
      case 6:
        if (step.generic) step.encode(out, severityNumber & 0xff);
        else out.u8(severityNumber & 0xff);
        break;
      case 7:
        writeAnyValue(out, bytes, ranges[6]!, ranges[7]!);
        break;
      case 8:
        // ClickStack's flatten (group A) collapses duplicate keys on the default path only.
        if (!writeAttributes(out, bytes, attributes, 0, attributes.count, dedupe)) return false;
        break;
      case 9:
        str(out, bytes, 8, false);
        break;
    }
  }
  return true;
}

export function transcodeLogs(bytes: Uint8Array, run: Run, hooks: LogHooks): void {
  const processing = hooks.logProcessing ?? 'clickstack';
  const fast =
    planFor(run.shape(TABLES.logs), LOGS_SPEC).fast && planFor(run.shape(TABLES.sessions), LOGS_SPEC).fast;
  const slow = (resource: ResourceInfo, scope: ScopeInfo, start: number, end: number): void => {
    const decoded = logRecordRow(bytes, start, end, resource, scope, processing);
    run.writeRow(decoded.table, decoded.row, TIME_COLUMNS, 'Timestamp');
  };
  walkItems(bytes, (resource, scope, start, end) => {
    if (!fast) return slow(resource, scope, start, end);
    walkLog(bytes, start, end);
    const table = isSession(bytes) ? TABLES.sessions : TABLES.logs;
    lowerSeverity = false;
    dedupe = table === TABLES.logs && processing === 'clickstack';
    if (dedupe) {
      const facts = logFacts(bytes, severityNumber, ranges, attributes);
      if (clickStackMayChange(facts)) return slow(resource, scope, start, end);
      lowerSeverity = facts.severityText === 'upper';
    }
    if (time.isZero()) time.copy(observed);
    run.clamp?.apply(time);
    const out = run.sink(table, dayOf(time));
    const rowStart = out.length;
    if (!writeLog(out, bytes, table, run, resource, scope)) {
      out.length = rowStart;
      run.uncount(table, dayOf(time));
      slow(resource, scope, start, end);
    }
  });
}
