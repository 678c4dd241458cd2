/**
 * The receiver's allocation-free validation walk must accept exactly what the path-keeping walk
 * accepts (which names the broken field), with the same item counts: checked on valid requests of
 * every signal and on thousands of seeded mutations of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastWalk, fastWalkYielding } from '../../schemas/otlp/fast-walk.js';
import { requestShapes, type Signal } from '../../schemas/otlp/shapes.js';
import {
  MAX_DEPTH,
  validateRequest,
  validateRequestYielding,
  walkWithPaths,
} from '../../schemas/otlp/validate.js';
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

/** A length-delimited field (one-byte tag, lengths of any size). */
function field(number: number, body: number[]): number[] {
  const length: number[] = [];
  let n = body.length;
  while (n >= 0x80) {
    length.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  length.push(n);
  return [(number << 3) | 2, ...length, ...body];
}

/** A logs request whose one resource carries the given KeyValue bytes as its attribute. */
function logsWithAttribute(keyValue: number[]): Uint8Array {
  return Uint8Array.from(field(1, field(1, field(1, keyValue))));
}

test('attribute walkers agree with the path-keeping walk: every value kind, unknown fields, depth', () => {
  const key = field(1, [...Buffer.from('k')]);
  const anyValues: [string, number[]][] = [
    ['string', field(1, [...Buffer.from('v')])],
    ['bool', [0x10, 1]],
    ['int (multi-byte varint)', [0x18, 0xff, 0xff, 0x03]],
    ['double', [0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]],
    ['bytes', field(7, [0xff, 0xfe, 0x00])],
    ['array', field(5, field(1, [0x18, 7]))],
    ['kvlist', field(6, field(1, [...key, ...field(2, [0x10, 1])]))],
    ['unknown varint field', [0x40, 1]],
    ['unknown length field', field(9, [1, 2, 3])],
    ['string with the wrong wire type', [0x08, 1]],
    ['double truncated', [0x21, 0, 0, 0]],
    ['bool with the wrong wire type', field(2, [1])],
    ['field number 0', [0x00, 1]],
  ];
  for (const [name, anyValue] of anyValues)
    for (const keyValue of [
      [...key, ...field(2, anyValue)],
      [...field(2, anyValue), ...key, 0x18, 1], // value first, then an unknown varint field
    ]) {
      const bytes = logsWithAttribute(keyValue);
      const fast = verdict(() => fastWalk(bytes, requestShapes.logs, MAX_DEPTH));
      assert.equal(
        fast,
        verdict(() => walkWithPaths('logs', bytes)),
        name,
      );
    }
  // Arrays in arrays around the depth limit: both walks refuse from the same depth on.
  let refusedFrom: number | undefined;
  for (let depth = 1; depth <= 40; depth++) {
    let value = field(1, [...Buffer.from('leaf')]);
    for (let i = 0; i < depth; i++) value = field(5, field(1, value));
    const bytes = logsWithAttribute([...key, ...field(2, value)]);
    const fast = verdict(() => fastWalk(bytes, requestShapes.logs, MAX_DEPTH));
    assert.equal(
      fast,
      verdict(() => walkWithPaths('logs', bytes)),
      `depth ${depth}`,
    );
    if (fast === 'invalid') refusedFrom ??= depth;
  }
  assert.ok(refusedFrom !== undefined && refusedFrom < 40, 'nesting past MAX_DEPTH is refused');
});

test('strings of every length are checked for UTF-8 wherever the first non-ASCII byte is', () => {
  const key = field(1, [...Buffer.from('k')]);
  for (const length of [1, 7, 8, 9, 15, 16, 17, 63, 200, 511, 512, 513, 2000])
    for (const at of [0, length >> 1, length - 1]) {
      const text = new Array<number>(length).fill(0x61);
      text[at] = 0xc3; // a lead byte without its continuation: invalid
      const bad = logsWithAttribute([...key, ...field(2, field(1, text))]);
      assert.throws(() => fastWalk(bad, requestShapes.logs, MAX_DEPTH), `length ${length}, at ${at}`);
      if (at + 1 < length) {
        text[at + 1] = 0xa9; // é: valid
        const good = logsWithAttribute([...key, ...field(2, field(1, text))]);
        assert.equal(fastWalk(good, requestShapes.logs, MAX_DEPTH), 0, `length ${length}, at ${at}`);
      }
    }
});

async function verdictAsync(run: () => Promise<number>): Promise<number | 'invalid'> {
  try {
    return await run();
  } catch {
    return 'invalid';
  }
}

test('the yielding walk gives the synchronous verdict, with other walks running in its pauses', async () => {
  const random = seededRandom(7);
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const cases: [Signal, Uint8Array][] = [...seeds];
  for (let i = 0; i < 600; i++) {
    const [signal, seed] = seeds[i % seeds.length]!;
    cases.push([signal, mutate(random, seed)]);
  }
  // Two at a time with tiny slices: every message is descended into and paused in, and the
  // other walk moves the shared cursor meanwhile.
  for (let i = 0; i < cases.length; i += 2) {
    const pair = cases.slice(i, i + 2);
    const slow = await Promise.all(
      pair.map(([signal, bytes]) =>
        verdictAsync(() => fastWalkYielding(bytes, requestShapes[signal], MAX_DEPTH, 16, turn)),
      ),
    );
    pair.forEach(([signal, bytes], j) =>
      assert.equal(
        slow[j],
        verdict(() => fastWalk(bytes, requestShapes[signal], MAX_DEPTH)),
        `case ${i + j}`,
      ),
    );
  }
});

test('a large request is validated a slice per event-loop turn, with the same shape', async () => {
  const bytes = generateTraces({ seed: 9, resources: 1, scopesPerResource: 1, itemsPerScope: 20_000 });
  assert.ok(bytes.length > 6 * 1024 * 1024, `${bytes.length} bytes`);
  let turns = 0;
  let ticking = true;
  const tick = (): void => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const shape = await validateRequestYielding('traces', bytes, 1024 * 1024);
  ticking = false;
  assert.deepEqual(shape, validateRequest('traces', bytes));
  assert.equal(shape.items, 20_000);
  // One resource, one scope, 20k spans: the walk descends into both and pauses between slices.
  assert.ok(turns >= 5, `the event loop turned ${turns} times during validation`);
  const broken = new Uint8Array(bytes);
  broken[broken.length - 3] = 0xff; // inside the last span
  await assert.rejects(validateRequestYielding('traces', broken, 1024 * 1024), /invalid OTLP traces/);
});
