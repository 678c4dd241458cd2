/**
 * Duplicate attribute keys, as the Collector's exporter stores them (found by bench/parity.ts): a Map
 * column keeps every entry, sorted by key with duplicates in arrival order (so `m['k']` and
 * ServiceName read the first, as pdata's Map.Get); only ClickStack's log path collapses them in
 * LogAttributes, the later winning (OTTL flatten). The transcoder writes the same bytes as the decoder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TABLES } from '../../../schemas/ddl.js';
import { type Signal, jsonToProtobuf } from '../../../schemas/otlp/codec.js';
import { type LogProcessing, applyLogRules, logNeedsRules } from '../../../writer/clickstack/rules.js';
import { decodeRecord } from '../../../writer/decode/index.js';
import { PROVIDED_COLUMNS, transcodeRecord } from '../../../writer/transcode/index.js';
import { ddlShapes } from '../../fixtures/shapes.js';
import { Sinks, oraclePath } from '../../fixtures/transcode-oracle.js';

const SHAPES = ddlShapes((table) => PROVIDED_COLUMNS[table] ?? new Set());
const dup = [
  { key: 'dup', value: { stringValue: 'first' } },
  { key: 'a', value: { intValue: '1' } },
  { key: 'dup', value: { stringValue: 'second' } },
];
const KEPT = [
  ['a', '1'],
  ['dup', 'first'],
  ['dup', 'second'],
];
const resource = {
  attributes: [
    { key: 'service.name', value: { stringValue: 'one' } },
    { key: 'service.name', value: { stringValue: 'two' } },
  ],
};
const T = '1795000000000000000';

function sameBytes(signal: Signal, bytes: Uint8Array, logProcessing?: LogProcessing): void {
  const expected = new Sinks();
  oraclePath(signal, bytes, SHAPES, expected.sinkFor, { logProcessing });
  const actual = new Sinks();
  transcodeRecord(signal, bytes, { shapes: SHAPES, sinkFor: actual.sinkFor, logProcessing });
  assert.deepEqual(actual.snapshot(), expected.snapshot(), signal);
}

function logs(attributes: unknown[], severityText = 'info'): Uint8Array {
  const record = { timeUnixNano: T, severityText, body: { stringValue: 'plain' }, attributes };
  return jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [{ resource, scopeLogs: [{ scope: { attributes: dup }, logRecords: [record] }] }],
    }),
  );
}

test('resource and scope maps keep duplicates in arrival order; ServiceName is the first', () => {
  for (const mode of ['clickstack', 'none'] as const) {
    const bytes = logs(dup);
    sameBytes('logs', bytes, mode);
    const row = decodeRecord('logs', bytes, { logProcessing: mode }).get(TABLES.logs)![0]!;
    assert.equal(row['ServiceName'], 'one');
    assert.deepEqual(row['ResourceAttributes'], [
      ['service.name', 'one'],
      ['service.name', 'two'],
    ]);
    assert.deepEqual(row['ScopeAttributes'], KEPT);
    // LogAttributes: ClickStack's flatten collapses them (the later wins); without processing they stay.
    assert.deepEqual(
      row['LogAttributes'],
      mode === 'clickstack'
        ? [
            ['a', '1'],
            ['dup', 'second'],
          ]
        : KEPT,
      mode,
    );
  }
});

test('session replays keep duplicate log attributes (no processing on that path)', () => {
  const bytes = logs([{ key: 'rr-web.event', value: { intValue: '2' } }, ...dup]);
  sameBytes('logs', bytes, 'clickstack');
  const row = decodeRecord('logs', bytes).get(TABLES.sessions)![0]!;
  assert.deepEqual(row['LogAttributes'], [...KEPT, ['rr-web.event', '2']]);
});

test('ClickStack rules: duplicate keys need the rules; a duplicated level promotes the later value', () => {
  const attributes: [string, string][] = [
    ['level', 'warn'],
    ['level', 'error'],
  ];
  assert.equal(logNeedsRules('plain', attributes, 'x', 9), true);
  const result = applyLogRules({ body: 'plain', attributes, severityText: '', severityNumber: 0 });
  assert.deepEqual(result.attributes, [['level', 'error']]);
  assert.deepEqual([result.severityText, result.severityNumber], ['error', 17]);
});

test('span, event, link, metric point and exemplar maps keep duplicates; same bytes as the decoder', () => {
  const traces = jsonToProtobuf(
    'traces',
    JSON.stringify({
      resourceSpans: [
        {
          resource,
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 's',
                  startTimeUnixNano: T,
                  endTimeUnixNano: T,
                  attributes: dup,
                  events: [{ timeUnixNano: T, name: 'e', attributes: dup }],
                  links: [
                    {
                      traceId: '5b8efff798038103d269b633813fc60c',
                      spanId: 'eee19b7ec3c1b174',
                      attributes: dup,
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    }),
  );
  sameBytes('traces', traces);
  const span = decodeRecord('traces', traces).get(TABLES.traces)![0]!;
  assert.deepEqual(span['SpanAttributes'], KEPT);
  assert.equal(span['ServiceName'], 'one');
  const metrics = jsonToProtobuf(
    'metrics',
    JSON.stringify({
      resourceMetrics: [
        {
          resource,
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'g',
                  gauge: {
                    dataPoints: [
                      {
                        timeUnixNano: T,
                        asDouble: 1,
                        attributes: dup,
                        exemplars: [{ asDouble: 2, filteredAttributes: dup }],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    }),
  );
  sameBytes('metrics', metrics);
  const point = decodeRecord('metrics', metrics).get(TABLES.gauge)![0]!;
  assert.deepEqual(point['Attributes'], KEPT);
});
