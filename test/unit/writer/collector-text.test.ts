/**
 * Stored text as the Collector stores it, cases found by the differential test (bench/parity.ts):
 * pdata's AsString of a map or array holding NaN/±Inf is "" (Go's JSON refuses them), empty bytes
 * inside one are JSON null (a nil []byte), a duplicated map key keeps its later value, and a leading
 * byte-order mark is kept. The transcoder
 * writes the same bytes as the decoder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TABLES } from '../../../schemas/ddl.js';
import { jsonToProtobuf } from '../../../schemas/otlp/codec.js';
import { type Raw, asString } from '../../../writer/decode/anyvalue.js';
import { decodeRecord } from '../../../writer/decode/index.js';
import { PROVIDED_COLUMNS, transcodeRecord } from '../../../writer/transcode/index.js';
import { ddlShapes } from '../../fixtures/shapes.js';
import { Sinks, oraclePath } from '../../fixtures/transcode-oracle.js';

const SHAPES = ddlShapes((table) => PROVIDED_COLUMNS[table] ?? new Set());
const map = (...entries: [string, Raw][]): Raw => ({ entries });

test('AsString: NaN/Inf inside a map or array gives "", empty bytes inside one give null, duplicate keys the later', () => {
  const cases: [Raw, string][] = [
    [map(['level', Number.NaN]), ''],
    [[1n, Number.POSITIVE_INFINITY], ''],
    [map(['a', map(['b', Number.NEGATIVE_INFINITY])]), ''],
    // A double alone: the spec's text (pdata v1.61+, contrib v0.155+; v0.149 wrote "json: unsupported value: NaN").
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    // Map and array text without HTML escaping (pdata v1.61+); U+2028 still escaped, as Go does.
    [map(['html', '<b>&amp;</b>\u2028']), '{"html":"<b>&amp;</b>\\u2028"}'],
    [map(['k', new Uint8Array(0)]), '{"k":null}'],
    [[new Uint8Array(0), new Uint8Array([1])], '[null,"AQ=="]'],
    [new Uint8Array(0), ''],
    [map(['x', 1.5], ['n', null]), '{"n":null,"x":1.5}'],
    // A duplicated key keeps its later value (a Go map), even over a NaN that would fail the whole.
    [map(['dup', null], ['a', 1n], ['dup', false]), '{"a":1,"dup":false}'],
    [map(['m', Number.NaN], ['m', null]), '{"m":null}'],
  ];
  for (const [value, text] of cases) assert.equal(asString(value), text, JSON.stringify(text));
});

test('a leading byte-order mark is kept in stored strings; the transcoder writes the same bytes', () => {
  const bom = '\uFEFFbom first';
  const bytes = jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: bom } }] },
          scopeLogs: [
            {
              scope: { name: bom },
              logRecords: [
                {
                  timeUnixNano: '1795000000000000000',
                  severityText: 'info',
                  body: { stringValue: bom },
                  attributes: [
                    { key: '\uFEFFrr-web.event', value: { stringValue: bom } },
                    {
                      key: 'nan',
                      value: { kvlistValue: { values: [{ key: 'd', value: { doubleValue: 'NaN' } }] } },
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
  for (const logProcessing of ['clickstack', 'none'] as const) {
    const expected = new Sinks();
    oraclePath('logs', bytes, SHAPES, expected.sinkFor, { logProcessing });
    const actual = new Sinks();
    transcodeRecord('logs', bytes, { shapes: SHAPES, sinkFor: actual.sinkFor, logProcessing });
    assert.deepEqual(actual.snapshot(), expected.snapshot(), logProcessing);
  }
  // Not a session replay: the key with a byte-order mark is another key.
  const row = decodeRecord('logs', bytes, { logProcessing: 'none' }).get(TABLES.logs)![0]!;
  assert.equal(row['Body'], bom);
  assert.equal(row['ServiceName'], bom);
  assert.equal(row['ScopeName'], bom);
  assert.deepEqual(row['LogAttributes'], [
    ['nan', ''],
    ['\uFEFFrr-web.event', bom],
  ]);
});
