/**
 * A table's live shape compiled for one signal's transcoder: each column becomes a step. Columns whose
 * value is the same for a whole scope (resource and scope fields) and columns the rows do not provide
 * (the encoder's default for `undefined`) are encoded once per scope with the column's own encoder
 * and copied per row; item columns get a fast writer when their type is one the transcoder writes
 * itself, else the table is marked slow and its rows go through the decoder and the column encoders.
 */
import type { ResourceInfo, RowValue, ScopeInfo } from '../decode/common.js';
import { ByteWriter, type Encoder } from '../rowbinary.js';
import type { TableShape } from '../schema.js';
import { type TimeEncoding, timeEncoding } from './time.js';

/** How an item column is typed as the transcoder writes it (canonical types after normalizeType). */
export type FieldKind =
  | 'string'
  | 'map'
  | 'time'
  | 'u64'
  | 'f64'
  | 'u32'
  | 'i32'
  | 'u8'
  | 'stringArray'
  | 'mapArray'
  | 'timeArray'
  | 'u64Array'
  | 'f64Array'
  /** The flattened keys of an attribute map (JSON layout): never written by the fast path. */
  | 'keys';

export interface FieldSpec {
  readonly id: number;
  readonly kind: FieldKind;
}

/** One signal's fields: the item columns and the scope-constant columns (value from resource and scope). */
export interface SignalSpec {
  readonly items: Readonly<Record<string, FieldSpec>>;
  readonly scoped: Readonly<Record<string, (resource: ResourceInfo, scope: ScopeInfo) => RowValue>>;
}

export interface Step {
  /** Field id, or -1 for a run of constant columns (`run` indexes the scope's constant blocks). */
  readonly id: number;
  readonly run: number;
  readonly kind: FieldKind | undefined;
  readonly time: TimeEncoding | undefined;
  /** Numeric column of another type than the canonical one: encode the decoder's JS value with `encode`. */
  readonly generic: boolean;
  readonly encode: Encoder;
}

export interface Plan {
  readonly shape: TableShape;
  /** False when some item column has a type the fast writers do not produce exactly. */
  readonly fast: boolean;
  readonly steps: readonly Step[];
  /** Per constant run: the columns in it, each with how to get its value. */
  readonly runs: readonly (readonly ConstColumn[])[];
  /** Constant blocks of the scope they were last built for. */
  cachedFor: ScopeInfo | undefined;
  cachedResource: ResourceInfo | undefined;
  cached: Buffer[];
}

interface ConstColumn {
  readonly encode: Encoder;
  readonly value: ((resource: ResourceInfo, scope: ScopeInfo) => RowValue) | undefined;
}

/** LowCardinality is the same bytes in RowBinary; whitespace does not matter. */
export function normalizeType(type: string): string {
  let t = type.replace(/\s+/g, '');
  for (;;) {
    const next = t.replace(/LowCardinality\(((?:[^()]|\([^()]*\))*)\)/, '$1');
    if (next === t) return t;
    t = next;
  }
}

const CANONICAL: Partial<Record<FieldKind, readonly string[]>> = {
  string: ['String'],
  map: ['Map(String,String)'],
  u64: ['UInt64'],
  f64: ['Float64'],
  u32: ['UInt32'],
  i32: ['Int32'],
  u8: ['UInt8', 'Bool'],
  stringArray: ['Array(String)'],
  mapArray: ['Array(Map(String,String))'],
  u64Array: ['Array(UInt64)'],
  f64Array: ['Array(Float64)'],
};
const NUMERIC: ReadonlySet<FieldKind> = new Set(['u64', 'f64', 'u32', 'i32', 'u8']);

const plans = new WeakMap<TableShape, Map<SignalSpec, Plan>>();

export function planFor(shape: TableShape, spec: SignalSpec): Plan {
  let bySpec = plans.get(shape);
  if (!bySpec) {
    bySpec = new Map();
    plans.set(shape, bySpec);
  }
  let plan = bySpec.get(spec);
  if (!plan) {
    plan = compile(shape, spec);
    bySpec.set(spec, plan);
  }
  return plan;
}

function compile(shape: TableShape, spec: SignalSpec): Plan {
  const steps: Step[] = [];
  const runs: ConstColumn[][] = [];
  let fast = true;
  let open: ConstColumn[] | undefined;
  for (const column of shape.columns) {
    const item = spec.items[column.name];
    if (!item) {
      const value = spec.scoped[column.name];
      if (!open) {
        open = [];
        runs.push(open);
        steps.push({
          id: -1,
          run: runs.length - 1,
          kind: undefined,
          time: undefined,
          generic: false,
          encode: column.encode,
        });
      }
      open.push({ encode: column.encode, value });
      continue;
    }
    open = undefined;
    const type = normalizeType(column.type);
    let time: TimeEncoding | undefined;
    let generic = false;
    if (item.kind === 'time') {
      time = timeEncoding(type);
      if (!time) fast = false;
    } else if (item.kind === 'timeArray') {
      const inner = /^Array\((.*)\)$/.exec(type)?.[1];
      time = inner ? timeEncoding(inner) : undefined;
      if (!time) fast = false;
    } else if (!(CANONICAL[item.kind] ?? []).includes(type)) {
      if (NUMERIC.has(item.kind)) generic = true;
      else fast = false;
    }
    steps.push({ id: item.id, run: -1, kind: item.kind, time, generic, encode: column.encode });
  }
  return { shape, fast, steps, runs, cachedFor: undefined, cachedResource: undefined, cached: [] };
}

const scratch = new ByteWriter(1 << 12);

/** The plan's constant blocks for this resource and scope (built once per scope). */
export function constBlocks(plan: Plan, resource: ResourceInfo, scope: ScopeInfo): Buffer[] {
  if (plan.cachedFor === scope && plan.cachedResource === resource) return plan.cached;
  const blocks: Buffer[] = [];
  for (const run of plan.runs) {
    scratch.length = 0;
    for (const c of run) c.encode(scratch, c.value ? c.value(resource, scope) : undefined);
    blocks.push(Buffer.from(scratch.bytes()));
  }
  plan.cachedFor = scope;
  plan.cachedResource = resource;
  plan.cached = blocks;
  return blocks;
}
