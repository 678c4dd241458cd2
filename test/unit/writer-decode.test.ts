import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonToProtobuf } from '../../schemas/otlp/codec.js';
import { decodeRecord } from '../../writer/decode/index.js';

const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] };

test('attribute values follow pdata AsString: ints, doubles, bools, bytes, arrays and sorted maps as JSON', () => {
  const bytes = jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            {
              logRecords: [
                {
                  observedTimeUnixNano: '1795000000123456789',
                  traceId: '00000000000000000000000000000000',
                  spanId: '0102030405060708',
                  flags: 0x101,
                  body: {
                    kvlistValue: {
                      values: [
                        { key: 'z', value: { intValue: '9007199254740993' } },
                        { key: 'a', value: { stringValue: '<b>&' } },
                      ],
                    },
                  },
                  attributes: [
                    { key: 'int', value: { intValue: '-42' } },
                    { key: 'double', value: { doubleValue: 1.5e-7 } },
                    { key: 'whole', value: { doubleValue: 3 } },
                    { key: 'bool', value: { boolValue: false } },
                    { key: 'bytes', value: { bytesValue: Buffer.from('hi').toString('base64') } },
                    {
                      key: 'list',
                      value: {
                        arrayValue: {
                          values: [{ intValue: '1' }, { stringValue: 'x' }, { doubleValue: 2.5 }],
                        },
                      },
                    },
                    { key: 'empty', value: {} },
                  ],
                },
              ],
            },
          ],
        },
      ],
    }),
  );
  // Without the ClickStack processing, which would flatten `list` and merge the map body.
  const row = decodeRecord('logs', bytes, { logProcessing: 'none' }).get('otel_logs')![0]!;
  assert.equal(row['Timestamp'], 1795000000123456789n, 'falls back to the observed time');
  assert.equal(row['TraceId'], '', 'an all-zero id is empty');
  assert.equal(row['SpanId'], '0102030405060708');
  assert.equal(row['TraceFlags'], 1);
  assert.equal(row['ServiceName'], 'api');
  // pdata v1.61+ (contrib v0.155+): map and array text without HTML escaping.
  assert.equal(row['Body'], '{"a":"<b>&","z":9007199254740993}');
  assert.deepEqual(row['LogAttributes'], [
    ['bool', 'false'],
    ['bytes', 'aGk='],
    ['double', '1.5e-7'],
    ['empty', ''],
    ['int', '-42'],
    ['list', '[1,"x",2.5]'],
    ['whole', '3'],
  ]);
});

test('summary data points map to otel_metrics_summary with quantiles as arrays', () => {
  const bytes = jsonToProtobuf(
    'metrics',
    JSON.stringify({
      resourceMetrics: [
        {
          resource,
          scopeMetrics: [
            {
              scope: { name: 'm', version: '1' },
              metrics: [
                {
                  name: 'rpc.latency',
                  unit: 's',
                  summary: {
                    dataPoints: [
                      {
                        startTimeUnixNano: '1795000000000000000',
                        timeUnixNano: '1795000060000000000',
                        count: '10',
                        sum: 4.5,
                        quantileValues: [
                          { quantile: 0.5, value: 0.3 },
                          { quantile: 0.99, value: 1.2 },
                        ],
                        attributes: [{ key: 'method', value: { stringValue: 'Get' } }],
                      },
                    ],
                  },
                },
                {
                  name: 'ints',
                  gauge: {
                    dataPoints: [
                      {
                        timeUnixNano: '1795000060000000000',
                        asInt: '7',
                        exemplars: [
                          {
                            asDouble: 1,
                            spanId: '0000000000000000',
                            traceId: '0102030405060708090a0b0c0d0e0f10',
                          },
                        ],
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
  const rows = decodeRecord('metrics', bytes);
  const summary = rows.get('otel_metrics_summary')![0]!;
  assert.equal(summary['MetricName'], 'rpc.latency');
  assert.equal(summary['Count'], 10n);
  assert.equal(summary['Sum'], 4.5);
  assert.deepEqual(summary['ValueAtQuantiles.Quantile'], [0.5, 0.99]);
  assert.deepEqual(summary['ValueAtQuantiles.Value'], [0.3, 1.2]);
  assert.deepEqual(summary['Attributes'], [['method', 'Get']]);
  assert.equal(summary['ScopeName'], 'm');
  const gauge = rows.get('otel_metrics_gauge')![0]!;
  assert.equal(gauge['Value'], 7, 'int values become Float64');
  assert.deepEqual(gauge['Exemplars.SpanId'], ['0000000000000000'], 'exemplar ids are plain hex, zeros kept');
  assert.deepEqual(gauge['Exemplars.TraceId'], ['0102030405060708090a0b0c0d0e0f10']);
});

test('unknown span kinds and status codes do not break decoding; duration never negative', () => {
  const bytes = jsonToProtobuf(
    'traces',
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { name: 's', kind: 1, startTimeUnixNano: '200', endTimeUnixNano: '100', status: { code: 2 } },
              ],
            },
          ],
        },
      ],
    }),
  );
  const row = decodeRecord('traces', bytes).get('otel_traces')![0]!;
  assert.equal(row['SpanKind'], 'Internal');
  assert.equal(row['StatusCode'], 'Error');
  assert.equal(row['Duration'], 0n);
  assert.equal(row['ServiceName'], '');
});

test('a corrupt record throws instead of half-decoding', () => {
  assert.throws(
    () => decodeRecord('traces', Buffer.from([0x0a, 0x10, 0x01])),
    /invalid OTLP traces protobuf/,
  );
});
