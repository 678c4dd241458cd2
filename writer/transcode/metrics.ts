/**
 * ExportMetricsServiceRequest bytes → one row per data point in the otel_metrics_* table of its kind.
 * Mirrors decode/metrics.ts; a metric whose points the fast writers cannot reproduce exactly goes
 * to that decoder whole (its rows are then encoded by the column encoders).
 */
import { WIRE_LEN, WIRE_VARINT } from '../../schemas/otlp/wire.js';
import type { ResourceInfo, ScopeInfo } from '../decode/common.js';
import { walkItems } from './items.js';
import { metricRows } from '../decode/metrics.js';
import type { ByteWriter } from '../rowbinary.js';
import { Ranges, writeAttributes } from './attributes.js';
import { Cursor, i64AsNumberAt } from './cursor.js';
import { type Plan, constBlocks, planFor } from './plan.js';
import { METRICS_SPECS, TABLE_BY_KIND } from './specs.js';
import {
  type Kind,
  Point,
  doubleAt,
  fixed64At,
  walkPoint,
  writeDoubleAt,
  writeEightByteArray,
  writeU64At,
  writeVarintArray,
} from './points.js';
import type { Run } from './run.js';
import { copyBlock, copyString, writeHex } from './text.js';
import { Time, dayOf, writeTime } from './time.js';

const KIND_BY_KEY: Record<number, Kind> = {
  0x2a: 'gauge',
  0x3a: 'sum',
  0x4a: 'histogram',
  0x52: 'exponential_histogram',
  0x5a: 'summary',
};

/** The time the clamp sees: the partition time only (StartTimeUnix and exemplar times are kept as sent). */
const TIME_COLUMNS = ['TimeUnix'];

const c = new Cursor(new Uint8Array(0), 0, 0);
const ec = new Cursor(new Uint8Array(0), 0, 0);
const point = new Point();
const startStored = new Time();
const timeStored = new Time();
const exemplarTime = new Time();
const exemplarAttributes = new Ranges();
const points = new Ranges();
/** Where each of the metric's rows starts (to take them back): sink, offset, day. */
const marks: { out: ByteWriter; at: number; day: number; clamped: boolean }[] = [];
/** Metric-level fields: name, description, unit ranges. */
const names = new Int32Array(6);
let temporality = 0;
let monotonic = false;

/** Exemplar i's fields into ec state: returns [time pos, value pos or -1, value int, span range, trace range]. */
function exemplar(
  bytes: Uint8Array,
  i: number,
): { valuePos: number; valueInt: number; isInt: boolean; span: [number, number]; trace: [number, number] } {
  ec.reset(bytes, point.exemplars.data[2 * i]!, point.exemplars.data[2 * i + 1]!);
  exemplarTime.setZero();
  exemplarAttributes.clear();
  const r = {
    valuePos: -1,
    valueInt: 0,
    isInt: false,
    span: [0, 0] as [number, number],
    trace: [0, 0] as [number, number],
  };
  while (ec.pos < ec.end) {
    const key = ec.tag();
    if (key === 0x11) exemplarTime.read(bytes, ec.skip8());
    else if (key === 0x19) {
      r.valuePos = ec.skip8();
      r.isInt = false;
    } else if (key === 0x31) {
      r.valueInt = i64AsNumberAt(bytes, ec.skip8());
      r.isInt = true;
    } else if (key === 0x22 || key === 0x2a) {
      const e = ec.enter();
      if (key === 0x22) r.span = [ec.pos, e];
      else r.trace = [ec.pos, e];
      ec.pos = e;
    } else if (key === 0x3a) {
      const e = ec.enter();
      exemplarAttributes.push(ec.pos, e);
      ec.pos = e;
    } else ec.skip(key & 7);
  }
  return r;
}

function quantile(bytes: Uint8Array, i: number, field: number): number {
  ec.reset(bytes, point.quantiles.data[2 * i]!, point.quantiles.data[2 * i + 1]!);
  let p = -1;
  while (ec.pos < ec.end) {
    const key = ec.tag();
    if (key === (field << 3) + 1) p = ec.skip8();
    else ec.skip(key & 7);
  }
  return p;
}

function numeric(
  out: ByteWriter,
  step: Plan['steps'][number],
  value: number | bigint | boolean,
  write: () => void,
): void {
  if (step.generic) step.encode(out, value);
  else write();
}

/** Writes the walked point; false when the decoder must write the metric. */
function writePoint(out: ByteWriter, bytes: Uint8Array, plan: Plan, blocks: Buffer[]): boolean {
  const n = point.exemplars.count;
  for (const step of plan.steps) {
    switch (step.id) {
      case -1: {
        const block = blocks[step.run]!;
        copyBlock(out, block);
        break;
      }
      case 1:
      case 2:
      case 3: {
        const s = names[(step.id - 1) * 2]!;
        if (s < 0) out.u8(0);
        else copyString(out, bytes, s, names[(step.id - 1) * 2 + 1]!);
        break;
      }
      case 4:
        if (!writeAttributes(out, bytes, point.attributes)) return false;
        break;
      case 5:
        writeTime(out, startStored, step.time!);
        break;
      case 6:
        writeTime(out, timeStored, step.time!);
        break;
      case 7:
        numeric(out, step, point.flags, () => out.u32(point.flags));
        break;
      case 8:
        if (point.valueIsInt) numeric(out, step, point.valueInt, () => out.f64(point.valueInt));
        else
          numeric(out, step, doubleAt(bytes, point.valuePos), () =>
            writeDoubleAt(out, bytes, point.valuePos),
          );
        break;
      case 9:
        numeric(out, step, temporality, () => out.i32(temporality));
        break;
      case 10:
        numeric(out, step, fixed64At(bytes, point.countPos), () => writeU64At(out, bytes, point.countPos));
        break;
      case 11:
      case 12:
      case 13: {
        const p = step.id === 11 ? point.sumPos : step.id === 12 ? point.minPos : point.maxPos;
        numeric(out, step, doubleAt(bytes, p), () => writeDoubleAt(out, bytes, p));
        break;
      }
      case 14:
        numeric(out, step, monotonic, () => out.u8(monotonic ? 1 : 0));
        break;
      case 15:
        writeEightByteArray(out, bytes, point.bucketCounts, false);
        break;
      case 16:
        writeEightByteArray(out, bytes, point.bounds, true);
        break;
      case 17:
        numeric(out, step, point.scale, () => out.i32(point.scale));
        break;
      case 18:
        numeric(out, step, fixed64At(bytes, point.zeroCountPos), () =>
          writeU64At(out, bytes, point.zeroCountPos),
        );
        break;
      case 30:
        numeric(out, step, point.positiveOffset, () => out.i32(point.positiveOffset));
        break;
      case 32:
        numeric(out, step, point.negativeOffset, () => out.i32(point.negativeOffset));
        break;
      case 31:
        writeVarintArray(out, bytes, point.positive, point.positiveCount);
        break;
      case 33:
        writeVarintArray(out, bytes, point.negative, point.negativeCount);
        break;
      case 40:
      case 41:
        out.varint(point.quantiles.count);
        for (let i = 0; i < point.quantiles.count; i++)
          writeDoubleAt(out, bytes, quantile(bytes, i, step.id === 40 ? 1 : 2));
        break;
      case 20:
        out.varint(n);
        for (let i = 0; i < n; i++) {
          exemplar(bytes, i);
          if (!writeAttributes(out, bytes, exemplarAttributes)) return false;
        }
        break;
      case 21:
        out.varint(n);
        for (let i = 0; i < n; i++) {
          exemplar(bytes, i);
          writeTime(out, exemplarTime, step.time!);
        }
        break;
      case 22:
        out.varint(n);
        for (let i = 0; i < n; i++) {
          const e = exemplar(bytes, i);
          if (e.isInt) out.f64(e.valueInt);
          else writeDoubleAt(out, bytes, e.valuePos);
        }
        break;
      case 23:
      case 24:
        out.varint(n);
        for (let i = 0; i < n; i++) {
          const e = exemplar(bytes, i);
          const [s, end] = step.id === 23 ? e.span : e.trace;
          // The exporter writes exemplar ids in plain hex: an all-zero id stays zeros.
          writeHex(out, bytes, s, end, false);
        }
        break;
    }
  }
  return true;
}

let clampOf: Run['clamp'];

/** The metric at [start, end): false (having taken back any of its rows) when the decoder must write it. */
function writeMetric(
  bytes: Uint8Array,
  start: number,
  end: number,
  run: Run,
  resource: ResourceInfo,
  scope: ScopeInfo,
): boolean {
  names.fill(-1);
  let kind: Kind | undefined;
  let ds = 0;
  let de = 0;
  c.reset(bytes, start, end);
  while (c.pos < c.end) {
    const key = c.tag();
    const k = KIND_BY_KEY[key];
    if (key === 0x0a || key === 0x12 || key === 0x1a) {
      const slot = ((key >>> 3) - 1) * 2;
      const e = c.enter();
      names[slot] = c.pos;
      names[slot + 1] = e;
      c.pos = e;
    } else if (k) {
      de = c.enter();
      ds = c.pos;
      kind = k;
      c.pos = de;
    } else c.skip(key & 7);
  }
  if (!kind) return true;
  // Data: temporality and monotonicity may follow the points, so read them first.
  temporality = 0;
  monotonic = false;
  points.clear();
  c.reset(bytes, ds, de);
  while (c.pos < c.end) {
    const key = c.tag();
    const fld = key >>> 3;
    const wire = key & 7;
    if (fld === 1 && wire === WIRE_LEN) {
      const e = c.enter();
      points.push(c.pos, e);
      c.pos = e;
    } else if (fld === 2 && wire === WIRE_VARINT && kind !== 'gauge' && kind !== 'summary')
      temporality = c.varint();
    else if (fld === 3 && wire === WIRE_VARINT && kind === 'sum') monotonic = c.varint() !== 0;
    else c.skip(wire);
  }
  const table = TABLE_BY_KIND[kind];
  const plan = planFor(run.shape(table), METRICS_SPECS[kind]);
  if (!plan.fast) return false;
  const blocks = constBlocks(plan, resource, scope);
  marks.length = 0;
  for (let i = 0; i < points.count; i++) {
    c.reset(bytes, points.data[2 * i]!, points.data[2 * i + 1]!);
    const ok = walkPoint(c, kind, point);
    startStored.copy(point.start);
    timeStored.copy(point.time);
    clampOf?.apply(timeStored);
    const day = dayOf(timeStored);
    const out = run.sink(table, day);
    marks.push({ out, at: out.length, day, clamped: run.lastClamped });
    if (!ok || !writePoint(out, bytes, plan, blocks)) {
      // Take back this metric's rows: the decoder writes them all.
      for (let j = marks.length - 1; j >= 0; j--) {
        marks[j]!.out.length = marks[j]!.at;
        run.uncount(table, marks[j]!.day, marks[j]!.clamped);
      }
      return false;
    }
  }
  return true;
}

export function transcodeMetrics(bytes: Uint8Array, run: Run): void {
  clampOf = run.clamp;
  walkItems(bytes, (resource, scope, start, end) => {
    if (writeMetric(bytes, start, end, run, resource, scope)) return;
    metricRows(bytes, start, end, resource, scope, (table, row) =>
      run.writeRow(table, row, TIME_COLUMNS, 'TimeUnix'),
    );
  });
}
