/**
 * Fuzzing the writer's decoder (writer/decode decodeRecord) with the receiver fuzz's mutations, for
 * every signal: each record either decodes to rows or throws a plain Error (which the writer sends
 * to the DLQ); nothing else escapes, nothing hangs. A record the receiver's validator accepts must
 * decode: the writer never dead-letters what the receiver let into Kafka.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Signal, validateRequest } from '../../schemas/otlp/codec.js';
import { decodeRecord } from '../../writer/decode/index.js';
import { generateLogs, generateMetrics, generateTraces, seededRandom } from '../fixtures/generate.js';
import { mutate } from '../fixtures/mutate.js';
import * as sdk from '../fixtures/otel-sdk.js';

const CASES = Number(process.env['FUZZ_CASES'] ?? 400) * 5;
/** A case that takes this long counts as a hang (the seeds decode in well under a millisecond). */
const SLOW_MS = 500;

const shape = { seed: 3, resources: 2, scopesPerResource: 2, itemsPerScope: 5 };
const SEEDS: Record<Signal, Uint8Array[]> = {
  traces: [sdk.spansProtobuf(), generateTraces(shape)],
  logs: [sdk.logsProtobuf(), generateLogs(shape)],
  metrics: [generateMetrics(shape)],
};

test(
  `fuzz: ${CASES} mutated records per signal either decode or throw a clean Error`,
  { timeout: 300_000 },
  () => {
    const random = seededRandom(11);
    const outcomes = new Map<string, number>();
    for (const signal of Object.keys(SEEDS) as Signal[]) {
      const seeds = SEEDS[signal];
      for (let i = 0; i < CASES; i++) {
        const record = mutate(random, seeds[i % seeds.length]!);
        let valid: boolean;
        try {
          validateRequest(signal, record);
          valid = true;
        } catch {
          valid = false;
        }
        const started = performance.now();
        let outcome: string;
        try {
          const rows = decodeRecord(signal, record);
          assert.ok(rows instanceof Map, `${signal} case ${i}: rows by table`);
          outcome = 'decoded';
        } catch (err) {
          // What the writer dead-letters: an Error with a message, never another thrown value.
          assert.ok(err instanceof Error, `${signal} case ${i}: threw ${String(err)}`);
          assert.match(err.message, /^invalid OTLP /, `${signal} case ${i}: ${err.message}`);
          assert.equal(
            valid,
            false,
            `${signal} case ${i}: the receiver accepted it, the writer refused it: ${err.message}`,
          );
          outcome = 'dead-letter';
        }
        const took = performance.now() - started;
        assert.ok(took < SLOW_MS, `${signal} case ${i} took ${took.toFixed(0)} ms`);
        const key = `${signal} ${outcome}${valid ? ' (valid)' : ''}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
    console.log(`writer decode fuzz: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    for (const signal of Object.keys(SEEDS))
      assert.ok(outcomes.get(`${signal} dead-letter`), `${signal}: some cases are refused`);
  },
);
