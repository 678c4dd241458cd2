import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonToProtobuf } from '../../../../schemas/otlp/codec.js';
import { decodeRecord } from '../../../../writer/decode/index.js';
import { ALL_SMOKE_CASES, type SmokeCase } from './smoke-cases.js';

/** One OTLP/JSON request holding the case's record, with the smoke suites' resource and empty scope. */
function request(c: SmokeCase): Uint8Array {
  const record: Record<string, unknown> = {
    timeUnixNano: '1901999580000000000',
    body: c.body,
    attributes: c.attributes ?? [],
  };
  if (c.severityText !== undefined) record['severityText'] = c.severityText;
  if (c.severityNumber !== undefined) record['severityNumber'] = c.severityNumber;
  return jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: 'suite-id', value: { stringValue: 'smoke' } },
              { key: 'test-id', value: { stringValue: c.name } },
            ],
          },
          scopeLogs: [{ scope: {}, logRecords: [record] }],
        },
      ],
    }),
  );
}

for (const c of ALL_SMOKE_CASES) {
  test(`clickstack smoke case: ${c.name}`, () => {
    const rows = decodeRecord('logs', request(c));
    const table = c.table ?? 'otel_logs';
    assert.deepEqual([...rows.keys()], [table], 'routed to one table');
    const row = rows.get(table)![0]!;
    assert.deepEqual([row['SeverityText'], row['SeverityNumber']], [...c.severity]);
    if (c.logAttributes) assert.deepEqual(row['LogAttributes'], Object.entries(c.logAttributes));
    if ('stringValue' in c.body) assert.equal(row['Body'], c.body.stringValue, 'Body is stored unchanged');
    assert.deepEqual(row['ResourceAttributes'], [
      ['suite-id', 'smoke'],
      ['test-id', c.name],
    ]);
  });
}

test('writer.logProcessing=none stores every smoke record as received', () => {
  for (const c of ALL_SMOKE_CASES) {
    const row = [...decodeRecord('logs', request(c), { logProcessing: 'none' }).values()][0]![0]!;
    assert.deepEqual(
      [row['SeverityText'], row['SeverityNumber']],
      [c.severityText ?? '', c.severityNumber ?? 0],
    );
    const sent = (c.attributes ?? []).map((a) => a.key).sort();
    assert.deepEqual(
      (row['LogAttributes'] as [string, string][]).map(([k]) => k),
      sent,
      `${c.name}: only the producer's attributes`,
    );
  }
});
