/** Type names as Native column headers write them, reduced to their layouts (native-types.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeTypeError, parseNativeType } from '../../deploy/local/clickhouse/native-types.js';

const fixed = (width: number) => ({ kind: 'fixed', width }) as const;
const string = { kind: 'string' } as const;

test('layouts of the type names the DDL and clickhouse-go use', () => {
  const cases: [string, unknown][] = [
    ['UInt8', fixed(1)],
    ['DateTime64(9)', fixed(8)],
    ["DateTime64(9, 'Europe/Paris')", fixed(8)],
    ["DateTime('UTC')", fixed(4)],
    ['Decimal(9, 2)', fixed(4)],
    ['Decimal(18, 4)', fixed(8)],
    ['Decimal(38, 4)', fixed(16)],
    ['Decimal(76, 4)', fixed(32)],
    ['FixedString(16)', fixed(16)],
    ["Enum8('a' = 1, 'b,c)' = 2)", fixed(1)],
    ['IntervalSecond', fixed(8)],
    ['LowCardinality(String)', { kind: 'lowCardinality', dictionary: string }],
    ['LowCardinality(Nullable(String))', { kind: 'lowCardinality', dictionary: string }],
    [
      'Map(LowCardinality(String), String)',
      {
        kind: 'array',
        inner: { kind: 'tuple', elements: [{ kind: 'lowCardinality', dictionary: string }, string] },
      },
    ],
    [
      'Tuple(a String, `b c` Nullable(UInt8))',
      { kind: 'tuple', elements: [string, { kind: 'nullable', inner: fixed(1) }] },
    ],
    ['Tuple()', fixed(1)],
    ['Tuple(String, UInt64)', { kind: 'tuple', elements: [string, fixed(8)] }],
    ['Nested(x String, y Int64)', { kind: 'array', inner: { kind: 'tuple', elements: [string, fixed(8)] } }],
    ['SimpleAggregateFunction(sum, UInt64)', fixed(8)],
    ['Point', { kind: 'tuple', elements: [fixed(8), fixed(8)] }],
  ];
  for (const [name, layout] of cases) assert.deepEqual(parseNativeType(name), layout, name);
});

test('types with layouts of their own are refused by name', () => {
  for (const name of [
    'Dynamic',
    'JSON',
    'Variant(String, UInt8)',
    'AggregateFunction(uniq, String)',
    'Decimal(80, 2)',
  ])
    assert.throws(() => parseNativeType(name), NativeTypeError, name);
});
