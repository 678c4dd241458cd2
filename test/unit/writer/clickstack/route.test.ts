import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonToProtobuf } from '../../../../schemas/otlp/codec.js';
import type { Raw } from '../../../../writer/decode/anyvalue.js';
import { decodeRecord } from '../../../../writer/decode/index.js';
import { isSessionRecord } from '../../../../writer/clickstack/route.js';

const cases: [string, [string, Raw][], boolean][] = [
  ['string', [['rr-web.event', '2']], true],
  ['empty string', [['rr-web.event', '']], true],
  ['int (browser SDK)', [['rr-web.event', 3n]], true],
  ['bool', [['rr-web.event', false]], true],
  ['double', [['rr-web.event', 0.5]], true],
  ['bytes', [['rr-web.event', new Uint8Array([1])]], true],
  ['array', [['rr-web.event', []]], true],
  ['map', [['rr-web.event', { entries: [] }]], true],
  ['the empty value', [['rr-web.event', null]], false],
  // OTTL writes doubles, maps and arrays as JSON for IsMatch; Go refuses NaN/±Inf, the condition
  // errors and error_mode: ignore takes the default route (bench/parity.ts, random logs #4).
  ['double +Inf', [['rr-web.event', Number.POSITIVE_INFINITY]], false],
  ['double NaN', [['rr-web.event', Number.NaN]], false],
  ['map holding -Inf', [['rr-web.event', { entries: [['a', Number.NEGATIVE_INFINITY]] }]], false],
  ['array holding NaN', [['rr-web.event', [1n, Number.NaN]]], false],
  [
    'map whose NaN is overwritten by a later duplicate',
    [
      [
        'rr-web.event',
        {
          entries: [
            ['a', Number.NaN],
            ['a', 1n],
          ],
        },
      ],
    ],
    true,
  ],
  ['absent', [['rr-web.chunk', '1']], false],
  [
    'first of duplicates decides (empty)',
    [
      ['rr-web.event', null],
      ['rr-web.event', '2'],
    ],
    false,
  ],
  [
    'first of duplicates decides (set)',
    [
      ['rr-web.event', '2'],
      ['rr-web.event', null],
    ],
    true,
  ],
];

for (const [name, attributes, expected] of cases) {
  test(`rr-web.event routing: ${name} → ${expected ? 'sessions' : 'logs'}`, () => {
    assert.equal(isSessionRecord(attributes), expected);
  });
}

function logs(record: Record<string, unknown>, resourceAttributes: unknown[] = []): Uint8Array {
  return jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [{ resource: { attributes: resourceAttributes }, scopeLogs: [{ logRecords: [record] }] }],
    }),
  );
}

test('a session record with an int rr-web.event and a JSON body is stored untouched', () => {
  const body = '{"type":2,"data":{"level":"ERROR"}}';
  const rows = decodeRecord(
    'logs',
    logs({
      timeUnixNano: '1',
      severityText: 'WARN',
      body: { stringValue: body },
      attributes: [
        { key: 'rr-web.event', value: { intValue: '2' } },
        { key: 'nested', value: { kvlistValue: { values: [{ key: 'a', value: { intValue: '1' } }] } } },
      ],
    }),
  );
  assert.deepEqual([...rows.keys()], ['hyperdx_sessions']);
  const row = rows.get('hyperdx_sessions')![0]!;
  assert.equal(row['Body'], body);
  assert.equal(row['SeverityText'], 'WARN', 'no lower-casing');
  assert.deepEqual(row['LogAttributes'], [
    ['nested', '{"a":1}'],
    ['rr-web.event', '2'],
  ]);
});

test('only the record attribute routes: a JSON body key or a resource attribute does not', () => {
  const fromBody = decodeRecord('logs', logs({ body: { stringValue: '{"rr-web.event":"2"}' } }));
  assert.deepEqual([...fromBody.keys()], ['otel_logs']);
  assert.deepEqual(
    fromBody.get('otel_logs')![0]!['LogAttributes'],
    [['rr-web.event', '2']],
    'merged after routing',
  );
  const fromResource = decodeRecord(
    'logs',
    logs({ body: { stringValue: 'x' } }, [{ key: 'rr-web.event', value: { stringValue: '2' } }]),
  );
  assert.deepEqual([...fromResource.keys()], ['otel_logs']);
});

test('routing applies with writer.logProcessing=none too', () => {
  const rows = decodeRecord(
    'logs',
    logs({ attributes: [{ key: 'rr-web.event', value: { stringValue: '' } }] }),
    {
      logProcessing: 'none',
    },
  );
  assert.deepEqual([...rows.keys()], ['hyperdx_sessions']);
});
