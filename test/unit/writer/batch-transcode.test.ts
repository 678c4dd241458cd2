/**
 * The writer's batch (writer/batch.ts, transcoding) against the batch as it was before the
 * transcoder (test/fixtures/batch-oracle.ts: decode, clamp the partition time, encodeRow): the same
 * (table, day) parts with the same bytes and row counts, the same dead letters (corrupt records,
 * records over the per-record budget, their rows rolled back), the same digest, byte count and
 * clamp count; a table shape read again mid-batch re-encodes the bodies as the old path does; a
 * body asked for another shape, and per-record isolation bodies, equal the old path's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IncomingRecord } from '../../../kafka/port.js';
import type { Signal } from '../../../schemas/otlp/codec.js';
import { PartitionBatch, type RowRules, type ShapeLookup } from '../../../writer/batch.js';
import { bodyPool } from '../../../writer/body-pool.js';
import type { TableShape } from '../../../writer/schema.js';
import { encodeRows } from '../../../writer/schema.js';
import { PROVIDED_COLUMNS } from '../../../writer/transcode/index.js';
import { OldPartitionBatch } from '../../fixtures/batch-oracle.js';
import { seededRandom } from '../../fixtures/generate.js';
import { DAY_NS, SIGNALS, generated } from '../../fixtures/otlp-random.js';
import { ddlShapes } from '../../fixtures/shapes.js';

const CASES = Number(process.env['FUZZ_CASES'] ?? 300);
const SHAPES = ddlShapes((table) => PROVIDED_COLUMNS[table] ?? new Set());
const MS_PER_DAY = 86_400_000;
/** The generator's times sit around this day; records get Kafka times around it too. */
const BASE_MS = Number((20_000n * DAY_NS) / 1_000_000n);

function records(signal: Signal, seed: number, count: number, corrupt: boolean): IncomingRecord[] {
  const r = seededRandom(seed * 104_729);
  const out: IncomingRecord[] = [];
  for (let i = 0; i < count; i++) {
    let value = Buffer.from(generated(signal, seed * 100 + i));
    if (corrupt && r() < 0.25 && value.length > 0) {
      value = r() < 0.5 ? value.subarray(0, Math.floor(r() * value.length)) : Buffer.from(value);
      value[Math.floor(r() * value.length)] = Math.floor(r() * 256);
    }
    out.push({
      topic: 't',
      partition: 0,
      offset: 1000 + i,
      // Some records far from their rows' times (clamped both ways), some close (kept).
      timestamp: BASE_MS + Math.floor((r() - 0.5) * 6 * MS_PER_DAY),
      key: null,
      value,
      headers: new Map(),
    });
  }
  return out;
}

/** Shapes by record: `later` from record `switchAt` on (a table altered under the writer mid-batch). */
interface ShapePlan {
  readonly shapes: ReadonlyMap<string, TableShape>;
  readonly later?: ReadonlyMap<string, TableShape>;
  readonly switchAt?: number;
}

/**
 * The parts as inserted: each body for the table's shape now (the old batch re-encodes a body when a
 * record touches it after a shape change, the new one re-encodes them all at once: equal once asked).
 */
function snapshot(batch: PartitionBatch | OldPartitionBatch, shapes: ReadonlyMap<string, TableShape>) {
  return batch.parts().map((p) => ({
    key: `${p.table}@${p.day}`,
    rows: p.rows,
    hex: batch.body(p as never, shapes.get(p.table)!).toString('hex'),
  }));
}

async function both(
  signal: Signal,
  recs: IncomingRecord[],
  rules: RowRules,
  plan: ShapePlan,
  label: string,
  finalShapes: ReadonlyMap<string, TableShape> = SHAPES,
): Promise<{ fresh: PartitionBatch; old: OldPartitionBatch }> {
  const fresh = new PartitionBatch('t', 0, signal, 1000, rules);
  const old = new OldPartitionBatch('t', 0, signal, 1000, rules);
  let index = 0;
  const lookup: ShapeLookup = (table) =>
    Promise.resolve((plan.later && index >= (plan.switchAt ?? 0) ? plan.later : plan.shapes).get(table)!);
  for (const record of recs) {
    await fresh.add(record, lookup);
    await old.add(record, lookup);
    index++;
  }
  if (finalShapes === SHAPES)
    assert.deepEqual(snapshot(fresh, finalShapes), snapshot(old, finalShapes), `${label}: parts`);
  else
    assert.deepEqual(
      fresh.parts().map((p) => [p.table, p.day, p.rows]),
      old.parts().map((p) => [p.table, p.day, p.rows]),
      `${label}: parts`,
    );
  assert.deepEqual(
    fresh.dead.map((d) => [d.record.offset, d.code]),
    old.dead.map((d) => [d.record.offset, d.code]),
    `${label}: dead letters`,
  );
  assert.equal(fresh.rowCount, old.rowCount, `${label}: rows`);
  assert.equal(fresh.byteCount, old.byteCount, `${label}: bytes`);
  assert.equal(fresh.digest(), old.digest(), `${label}: digest`);
  // The old batch also counted clamps of rows it rolled back, and again when it re-encoded a body:
  // without either, the counts agree.
  if (!plan.later && !old.dead.some((d) => d.code === 'RECORD_TOO_LARGE'))
    assert.equal(fresh.clamped, old.clamped, `${label}: clamped`);
  return { fresh, old };
}

const RULES: RowRules = {
  maxPastMs: MS_PER_DAY,
  maxFutureMs: 3_600_000,
  maxRecordBytes: 64 << 20,
  logProcessing: 'clickstack',
};

test('batches of generated records (some corrupt, times clamped both ways): same parts, dead letters, counts', async () => {
  let clamped = 0;
  let dead = 0;
  for (const signal of SIGNALS)
    for (let seed = 1; seed <= Math.ceil(CASES / 10); seed++) {
      const { fresh } = await both(
        signal,
        records(signal, seed, 12, true),
        RULES,
        { shapes: SHAPES },
        `${signal} ${seed}`,
      );
      clamped += fresh.clamped;
      dead += fresh.dead.length;
    }
  assert.ok(clamped > 0, 'some rows were clamped');
  assert.ok(dead > 0, 'some records were corrupt');
});

test('records over the per-record budget are dead-lettered whole, their rows rolled back', async () => {
  let tooLarge = 0;
  for (const signal of SIGNALS)
    for (let seed = 1; seed <= Math.ceil(CASES / 20); seed++) {
      const rules = { ...RULES, maxRecordBytes: 1500 };
      const { fresh } = await both(
        signal,
        records(signal, seed, 12, false),
        rules,
        { shapes: SHAPES },
        `${signal} ${seed}`,
      );
      tooLarge += fresh.dead.filter((d) => d.code === 'RECORD_TOO_LARGE').length;
    }
  assert.ok(tooLarge > 0);
});

/** The DDL shapes with the last column of every table dropped (a table altered under the writer). */
function altered(): Map<string, TableShape> {
  const out = new Map<string, TableShape>();
  for (const [table, shape] of SHAPES) out.set(table, { table, columns: shape.columns.slice(0, -1) });
  return out;
}

test('a shape read again mid-batch re-encodes the bodies; body() for another shape and isolation bodies match the old path', async () => {
  const later = altered();
  for (const signal of SIGNALS)
    for (let seed = 1; seed <= Math.ceil(CASES / 30); seed++) {
      const { fresh, old } = await both(
        signal,
        records(signal, seed, 10, true),
        RULES,
        { shapes: SHAPES, later, switchAt: 5 },
        `${signal} ${seed} shape change`,
        later,
      );
      const oldParts = old.parts();
      for (const [i, part] of fresh.parts().entries()) {
        const oldPart = oldParts[i]!;
        const shape = SHAPES.get(part.table)!;
        for (const record of fresh.records) {
          const rows = old.recordRows(record, oldPart);
          const expected = rows.length > 0 ? encodeRows(shape, rows).toString('hex') : undefined;
          assert.equal(
            fresh.recordBody(record, part, shape)?.toString('hex'),
            expected,
            `${signal} isolation`,
          );
        }
        // The body is its records' rows, once each. (The old batch, re-encoding in the middle of a
        // record after a shape change, encoded that record's rows of the part twice.)
        const each = fresh.records.map((r) => old.recordRows(r, oldPart)).filter((rows) => rows.length > 0);
        assert.equal(
          fresh.body(part, shape).toString('hex'),
          Buffer.concat(each.map((rows) => encodeRows(shape, rows))).toString('hex'),
          `${signal} ${seed} body for the first shape again`,
        );
      }
    }
});

test('bodies written into buffers an earlier batch gave back (not zeroed) equal the old path', async () => {
  const lookup: ShapeLookup = (table) => Promise.resolve(SHAPES.get(table)!);
  for (const signal of SIGNALS) {
    // A batch whose bodies start at 2 MiB (poolable), filled with other records, then given back.
    const earlier = new PartitionBatch('t', 0, signal, 1000, RULES, 2 << 20);
    for (const record of records(signal, 77, 12, false)) await earlier.add(record, lookup);
    assert.ok(earlier.parts().length > 0, `${signal}: the earlier batch has bodies`);
    earlier.release();
    const held = bodyPool.idleBytes;
    assert.ok(held >= 2 << 20, `${signal}: the earlier bodies are pooled (${held} bytes)`);
    await both(signal, records(signal, 78, 12, true), RULES, { shapes: SHAPES }, `${signal} reused`);
    assert.ok(bodyPool.idleBytes < held, `${signal}: the later batch took pooled buffers`);
  }
});
