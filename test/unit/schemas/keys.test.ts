import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Raw } from '../../../writer/decode/anyvalue.js';
import { fnv1a32, resourceKey, saramaPartition, traceIdKey } from '../../../schemas/keys.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

test('trace id keys: lowercase hex ASCII; an all-zero id gives an empty key', () => {
  const id = Buffer.from('5B8EFFF798038103D269B633813FC60C', 'hex');
  assert.equal(Buffer.from(traceIdKey(id)).toString('latin1'), '5b8efff798038103d269b633813fc60c');
  assert.equal(traceIdKey(new Uint8Array(16)).length, 0);
  assert.equal(traceIdKey(new Uint8Array(0)).length, 0);
});

// Vectors printed by a scratch Go program calling pdatautil.MapHash (contrib pkg/pdatautil v0.161.0,
// pdata v1.71.0, from the Go module proxy) on the same maps built with pcommon.Map Put* calls.
test('resource keys equal the Collector’s MapHash', () => {
  assert.equal(hex(resourceKey([])), '00000000000000000000000000000000');
  assert.equal(hex(resourceKey([['service.name', 'checkout']])), '831d0817d731c2054ac194e9ddcf7e5c');
  const mixed: [string, Raw][] = [
    ['service.name', 'checkout'],
    ['pid', -42n],
    ['ratio', 0.25],
    ['on', true],
    ['off', false],
    ['raw', new Uint8Array([0, 1, 255])],
    ['nothing', null],
    ['list', ['a', 1n]],
    [
      'nested',
      {
        entries: [
          ['z', '1'],
          ['a', '2'],
        ],
      },
    ],
  ];
  assert.equal(hex(resourceKey(mixed)), 'd9756c4dec24229897b9f9afdca368c3');
  assert.equal(
    hex(resourceKey([...mixed].reverse())),
    'd9756c4dec24229897b9f9afdca368c3',
    'order does not matter',
  );
  assert.equal(
    hex(
      resourceKey([
        ['pid', -42n],
        ['service.name', 'checkout'],
      ]),
    ),
    '48ce79f5dd932ca981807d11c463b00f',
  );
});

test('FNV-1a 32 known vectors', () => {
  assert.equal(fnv1a32(ascii('')), 0x811c9dc5);
  assert.equal(fnv1a32(ascii('a')), 0xe40c292c);
  assert.equal(fnv1a32(ascii('foobar')), 0xbf9cf968);
});

// Partitions printed by Go: hash/fnv New32a, then int32(sum) % n, negated when negative (Sarama).
test('sarama_compat partitions match Sarama / franz-go', () => {
  const cases: [string, number, number, number][] = [
    ['', 0, 5, 59],
    ['a', 0, 6, 20],
    ['foobar', 0, 6, 24],
    ['5b8efff798038103d269b633813fc60c', 2, 5, 25],
    ['tributary', 0, 3, 25],
  ];
  for (const [key, p3, p10, p64] of cases)
    assert.deepEqual(
      [saramaPartition(ascii(key), 3), saramaPartition(ascii(key), 10), saramaPartition(ascii(key), 64)],
      [p3, p10, p64],
      key,
    );
  assert.throws(() => saramaPartition(ascii('a'), 0), RangeError);
});
