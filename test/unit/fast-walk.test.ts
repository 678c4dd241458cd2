/**
 * The receiver's allocation-free validation walk must accept exactly what the path-keeping walk
 * accepts (which names the broken field), with the same item counts: checked on valid requests of
 * every signal and on thousands of seeded mutations of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastWalk } from '../../schemas/otlp/fast-walk.js';
import { requestShapes, type Signal } from '../../schemas/otlp/shapes.js';
import { MAX_DEPTH, walkWithPaths } from '../../schemas/otlp/validate.js';
import { generateLogs, generateMetrics, generateTraces, seededRandom } from '../fixtures/generate.js';

const CASES = Number(process.env['FUZZ_CASES'] ?? 3000);

function verdict(run: () => number): number | 'invalid' {
  try {
    return run();
  } catch {
    return 'invalid';
  }
}

function mutate(random: () => number, seed: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(seed);
  switch (Math.floor(random() * 4)) {
    case 0:
      return bytes.subarray(0, Math.floor(random() * bytes.length));
    case 1:
      for (let i = 0; i < 1 + Math.floor(random() * 3); i++)
        bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
      return bytes;
    case 2: {
      // a non-ASCII byte inside the data: exercises the UTF-8 path of string fields
      bytes[Math.floor(random() * bytes.length)] = 0x80 + Math.floor(random() * 0x80);
      return bytes;
    }
    default: {
      const at = Math.floor(random() * bytes.length);
      const junk = Uint8Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        Math.floor(random() * 256),
      );
      return new Uint8Array([...bytes.subarray(0, at), ...junk, ...bytes.subarray(at)]);
    }
  }
}

const seeds: [Signal, Uint8Array][] = [
  ['traces', generateTraces({ seed: 1, resources: 2, scopesPerResource: 2, itemsPerScope: 5 })],
  ['logs', generateLogs({ seed: 2, resources: 2, scopesPerResource: 2, itemsPerScope: 5 })],
  ['metrics', generateMetrics({ seed: 3, resources: 1, scopesPerResource: 2, itemsPerScope: 5 })],
];

test('both walks agree on valid requests of every signal', () => {
  for (const [signal, bytes] of seeds) {
    const fast = fastWalk(bytes, requestShapes[signal], MAX_DEPTH);
    assert.equal(fast, walkWithPaths(signal, bytes));
    assert.ok(fast > 0);
  }
});

test(`both walks agree on ${CASES} mutated requests`, () => {
  const random = seededRandom(42);
  let invalid = 0;
  for (let i = 0; i < CASES; i++) {
    const [signal, seed] = seeds[i % seeds.length]!;
    const bytes = mutate(random, seed);
    const fast = verdict(() => fastWalk(bytes, requestShapes[signal], MAX_DEPTH));
    const slow = verdict(() => walkWithPaths(signal, bytes));
    assert.equal(fast, slow, `case ${i} (${signal}): fast ${fast}, with paths ${slow}`);
    if (fast === 'invalid') invalid++;
  }
  assert.ok(invalid > CASES / 4, `mutations produce invalid input too (${invalid})`);
});

test('invalid UTF-8 in a string is refused, valid multibyte text accepted', () => {
  // KeyValue { key: "k" (field 1), value: AnyValue { string_value (field 1) } } inside Resource.attributes
  const kv = (value: number[]): number[] => {
    const any = [0x0a, value.length, ...value];
    return [0x0a, 1, 0x6b, 0x12, any.length, ...any];
  };
  const request = (value: number[]): Uint8Array => {
    const resource = [0x0a, kv(value).length, ...kv(value)];
    const resourceLogs = [0x0a, resource.length, ...resource];
    return Uint8Array.from([0x0a, resourceLogs.length, ...resourceLogs]);
  };
  const valid = [...Buffer.from('héllo ✓')];
  assert.equal(fastWalk(request(valid), requestShapes.logs, MAX_DEPTH), 0);
  assert.throws(() => fastWalk(request([0x61, 0xc3, 0x28]), requestShapes.logs, MAX_DEPTH));
  assert.throws(() => walkWithPaths('logs', request([0x61, 0xc3, 0x28])), /invalid UTF-8/);
});
