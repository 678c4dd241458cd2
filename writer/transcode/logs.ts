/**
 * ExportLogsServiceRequest bytes → otel_logs and hyperdx_sessions RowBinary, one walk per log record.
 * Mirrors decode/logs.ts. Session replays (a record with the attribute rr-web.event) are routed first
 * and never processed. With log processing on (ctx.processLog), a record goes through the decoder
 * and the hook unless ctx.logNeedsProcessing says, from cheap facts of the walk, that the rules leave
 * it untouched; then it stays on the fast path.
 */
import { TABLES } from '../../schemas/ddl.js';
import type { ResourceInfo, Row, ScopeInfo } from '../decode/common.js';
import { walkItems } from './items.js';
import { SESSION_ATTRIBUTE, logRecordRow } from '../decode/logs.js';
import type { ByteWriter } from '../rowbinary.js';
import { Ranges, writeAttributes } from './attributes.js';
import { Cursor } from './cursor.js';
import { type LogFacts, logFacts } from './log-facts.js';
import { constBlocks, planFor } from './plan.js';
import { LOGS_SPEC } from './specs.js';
import type { Run } from './run.js';
import { copyBlock, copyString, writeAnyValue, writeHex } from './text.js';
import { Time, dayOf, writeTime } from './time.js';

export interface LogHooks {
  /** The log processing rules, on a decoded otel_logs row (never on session rows). */
  readonly processLog?: ((row: Row) => Row) | undefined;
  /** Whether processLog may change a record with these facts; without it every record is processed. */
  readonly logNeedsProcessing?: ((facts: LogFacts) => boolean) | undefined;
}

const TIME_COLUMNS = ['Timestamp'];
const SESSION_KEY = Buffer.from(SESSION_ATTRIBUTE);

const c = new Cursor(new Uint8Array(0), 0, 0);
const time = new Time();
const observed = new Time();
let severityNumber = 0;
let flags = 0;
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

function isSession(bytes: Uint8Array): boolean {
  const n = SESSION_KEY.length;
  for (let i = 0; i < attributes.count; i++) {
    c.reset(bytes, attributes.data[2 * i]!, attributes.data[2 * i + 1]!);
    let found = false;
    while (c.pos < c.end) {
      const key = c.tag();
      if (key !== 0x0a) {
        c.skip(key & 7);
        continue;
      }
      const e = c.enter();
      found = e - c.pos === n;
      for (let j = 0; found && j < n; j++) found = bytes[c.pos + j] === SESSION_KEY[j];
      c.pos = e;
    }
    if (found) return true;
  }
  return false;
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
        str(out, bytes, 4, false);
        break;
      case 6:
        if (step.generic) step.encode(out, severityNumber & 0xff);
        else out.u8(severityNumber & 0xff);
        break;
      case 7:
        writeAnyValue(out, bytes, ranges[6]!, ranges[7]!);
        break;
      case 8:
        if (!writeAttributes(out, bytes, attributes)) return false;
        break;
      case 9:
        str(out, bytes, 8, false);
        break;
    }
  }
  return true;
}

export function transcodeLogs(bytes: Uint8Array, run: Run, hooks: LogHooks): void {
  const fast =
    planFor(run.shape(TABLES.logs), LOGS_SPEC).fast && planFor(run.shape(TABLES.sessions), LOGS_SPEC).fast;
  const slow = (resource: ResourceInfo, scope: ScopeInfo, start: number, end: number): void => {
    const decoded = logRecordRow(bytes, start, end, resource, scope);
    const row =
      decoded.table === TABLES.logs && hooks.processLog ? hooks.processLog(decoded.row) : decoded.row;
    run.writeRow(decoded.table, row, TIME_COLUMNS, 'Timestamp');
  };
  walkItems(bytes, (resource, scope, start, end) => {
    if (!fast) return slow(resource, scope, start, end);
    walkLog(bytes, start, end);
    const table = isSession(bytes) ? TABLES.sessions : TABLES.logs;
    if (
      table === TABLES.logs &&
      hooks.processLog &&
      (!hooks.logNeedsProcessing ||
        hooks.logNeedsProcessing(logFacts(bytes, severityNumber, ranges, attributes)))
    )
      return slow(resource, scope, start, end);
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
