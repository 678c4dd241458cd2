/**
 * writer/partition.ts: when an open batch comes of age. Partitions of one writer start their first
 * batches together; the first batch of each comes of age earlier by a per-partition share of the
 * flush interval, so their age flushes stay spread over the interval; later batches age whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../core/log.js';
import type { FetchedPartition } from '../../../kafka/port.js';
import type { RowRules, ShapeLookup } from '../../../writer/batch.js';
import { PartitionWorker } from '../../../writer/partition.js';
import { generateLogs } from '../../fixtures/generate.js';
import { ddlShapes } from '../../fixtures/shapes.js';
import { PROVIDED_COLUMNS } from '../../../writer/transcode/index.js';

const FLUSH_MS = 2_000;
const RULES: RowRules = {
  maxPastMs: 86_400_000 * 365 * 10,
  maxFutureMs: 3_600_000,
  maxRecordBytes: 64 << 20,
  logProcessing: 'none',
};
const SHAPES = ddlShapes((table) => PROVIDED_COLUMNS[table] ?? new Set());
const shapeOf: ShapeLookup = (table) => Promise.resolve(SHAPES.get(table)!);

function worker(partition: number): PartitionWorker {
  const w = new PartitionWorker(
    't',
    partition,
    'logs',
    `stream-${partition}`,
    { memberId: 'm', generation: 1 },
    { batchRows: 1_000_000, batchBytes: 1 << 30, flushIntervalMs: FLUSH_MS, rules: RULES },
    createLogger({ test: 'partition' }),
  );
  w.position = 0;
  w.checked = true;
  return w;
}

function fetched(offset: number): FetchedPartition {
  return {
    topic: 't',
    partition: 0,
    lastStableOffset: offset + 1,
    logStartOffset: 0,
    records: [
      {
        topic: 't',
        partition: 0,
        offset,
        timestamp: Date.now(),
        key: null,
        value: Buffer.from(
          generateLogs({ seed: offset, resources: 1, scopesPerResource: 1, itemsPerScope: 2 }),
        ),
        headers: new Map(),
      },
    ],
    nextPosition: offset + 1,
    highWatermark: offset + 1,
  };
}

test("partitions' first batches come of age spread over the flush interval, later ones after the whole interval", async () => {
  const ages: number[] = [];
  for (let partition = 0; partition < 4; partition++) {
    const w = worker(partition);
    assert.equal(w.agedAt, Infinity, 'no open batch: never of age');
    await w.accept(fetched(0), shapeOf);
    const started = w.batch!.startedAt;
    ages.push(w.agedAt - started);
    // The first batch handed off, the next one ages over the whole interval whatever the partition.
    w.handOff();
    w.flushing = undefined;
    w.checked = true;
    await w.accept(fetched(1), shapeOf);
    assert.equal(w.agedAt - w.batch!.startedAt, FLUSH_MS, `partition ${partition}: second batch`);
  }
  assert.deepEqual(ages, [2_000, 1_500, 1_000, 500]);
});

test('a read-ahead dropped after the write before it ended resumes at its own start, not after its records', async () => {
  const w = worker(0);
  await w.accept(fetched(0), shapeOf);
  await w.accept(fetched(1), shapeOf);
  await w.accept(fetched(2), shapeOf);
  w.handOff(); // [0, 3) is being written
  w.flushing = Promise.resolve();
  w.checked = false;
  await w.accept(fetched(3), shapeOf); // read ahead: [3, 4)
  assert.equal(w.batch!.start, 3);
  assert.equal(w.position, 4);

  // The read-ahead's fetch fails while [0, 3) is still being written: resume at 3.
  w.dropReadAhead();
  assert.equal(w.position, 3);
  assert.equal(w.batch, undefined);

  // The same once the write is over but the writer is still committing (`writing` cleared, `flushing`
  // not yet): the records of [3, 4) must be fetched again, not skipped (found by the broker-restart
  // chaos test: a done state with a hole at offset 3).
  await w.accept(fetched(3), shapeOf);
  w.writing = undefined;
  assert.equal(w.position, 4);
  w.dropReadAhead();
  assert.equal(w.position, 3);
});
