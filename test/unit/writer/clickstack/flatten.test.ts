import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Raw } from '../../../../writer/decode/anyvalue.js';
import { flattenAttributes } from '../../../../writer/clickstack/flatten.js';
import { mergeMapBody, upsertEntries } from '../../../../writer/clickstack/merge.js';

const map = (...entries: [string, Raw][]): Raw => ({ entries });

const cases: [string, [string, Raw][], [string, Raw][]][] = [
  [
    // Found by bench/parity.ts (random logs): contrib joins a map's path with "." only when it is not
    // empty; array elements always get ".<i>"; a bare child key then collides like any other.
    'a map under the empty key gives bare child keys; an array under it ".0"',
    [
      ['dup', 'top'],
      ['', map(['dup', 'nested'], ['x', map(['y', 1n])], ['', map(['z', 2n])])],
      ['list', [map(['', map(['k', 'v'])])]],
      ['', ['a']],
    ],
    [
      ['dup', 'nested'],
      ['x.y', 1n],
      ['z', 2n],
      ['list.0..k', 'v'],
      ['.0', 'a'],
    ],
  ],
  [
    'scalars unchanged',
    [
      ['a', 'x'],
      ['b', 1n],
      ['c', null],
    ],
    [
      ['a', 'x'],
      ['b', 1n],
      ['c', null],
    ],
  ],
  [
    'nested maps',
    [['log', map(['level', 'fatal'], ['origin', map(['line', 3])])]],
    [
      ['log.level', 'fatal'],
      ['log.origin.line', 3],
    ],
  ],
  [
    'array elements',
    [['k', ['a', 'b']]],
    [
      ['k.0', 'a'],
      ['k.1', 'b'],
    ],
  ],
  ['map inside an array', [['k', [map(['x', 1])]]], [['k.0.x', 1]]],
  [
    'array inside an array (k.0.0, our choice)',
    [['k', [['a', 'b']]]],
    [
      ['k.0.0', 'a'],
      ['k.0.1', 'b'],
    ],
  ],
  [
    'empty map and empty array vanish',
    [
      ['m', map()],
      ['l', []],
      ['keep', '1'],
    ],
    [['keep', '1']],
  ],
  ['null inside a map keeps its key', [['m', map(['n', null])]], [['m.n', null]]],
  [
    'collision: the later path wins',
    [
      ['a.b', 'first'],
      ['a', map(['b', 'second'])],
    ],
    [['a.b', 'second']],
  ],
  [
    'collision the other way',
    [
      ['a', map(['b', 'first'])],
      ['a.b', 'second'],
    ],
    [['a.b', 'second']],
  ],
  [
    'duplicate keys collapse, later wins',
    [
      ['d', '1'],
      ['d', '2'],
    ],
    [['d', '2']],
  ],
];

for (const [name, input, expected] of cases) {
  test(`A3 flatten: ${name}`, () => assert.deepEqual([...flattenAttributes(input)], expected));
}

test('A3 flatten survives nesting deeper than the call stack', () => {
  let value: Raw = 'leaf';
  for (let i = 0; i < 100_000; i++) value = [value];
  const out = flattenAttributes([['deep', value]]);
  assert.equal(out.size, 1);
  assert.equal([...out.values()][0], 'leaf');
});

test('A2 upsert: a JSON key overwrites in place, new keys append, others stay', () => {
  assert.deepEqual(
    upsertEntries(
      [
        ['userAttr', true],
        ['msg', 'old'],
      ],
      [
        ['msg', 'new'],
        ['extra', 1],
      ],
    ),
    [
      ['userAttr', true],
      ['msg', 'new'],
      ['extra', 1],
    ],
  );
});

test('A4: map-body entries land after flattening, unflattened', () => {
  const flat = flattenAttributes([['a', map(['b', 1])]]);
  mergeMapBody(flat, [
    ['a.b', 'body'],
    ['obj', map(['x', 1n])],
  ]);
  assert.deepEqual(
    [...flat],
    [
      ['a.b', 'body'],
      ['obj', map(['x', 1n])],
    ],
  );
});
