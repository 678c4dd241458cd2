import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TributaryError } from '../../core/errors.js';
import { decodeRequest, jsonToProtobuf, splitRequest, validateRequest } from '../../schemas/otlp/codec.js';
import { generateLogs, generateTraces } from '../fixtures/generate.js';

interface Decoded {
  resourceSpans?: {
    resource: { attributes: unknown[] };
    scopeSpans: { scope: { name: string }; spans: { spanId: Buffer }[] }[];
  }[];
  resourceLogs?: {
    resource: unknown;
    scopeLogs: {
      scope: unknown;
      logRecords: { attributes: { key: string; value: { intValue: string } }[] }[];
    }[];
  }[];
}

/** Every span as "resource|scope|spanId", in order. */
function spanKeys(bytes: Uint8Array): string[] {
  const decoded = decodeRequest('traces', bytes) as Decoded;
  return decoded.resourceSpans!.flatMap((r) =>
    r.scopeSpans.flatMap((s) =>
      s.spans.map(
        (span) => `${JSON.stringify(r.resource.attributes)}|${s.scope.name}|${span.spanId.toString('hex')}`,
      ),
    ),
  );
}

test('a 10 MB trace request splits into records under 1,000,000 bytes with nothing lost, duplicated or reordered', () => {
  const bytes = generateTraces({ seed: 42, resources: 6, scopesPerResource: 3, itemsPerScope: 1600 });
  assert.ok(bytes.length > 10_000_000, `request is ${bytes.length} bytes`);
  const parts = splitRequest('traces', bytes, 1_000_000);
  assert.ok(parts.length >= 11, `${parts.length} parts`);
  for (const part of parts) {
    assert.ok(part.bytes.length <= 1_000_000, `part of ${part.bytes.length} bytes`);
    validateRequest('traces', part.bytes);
  }
  const original = spanKeys(bytes);
  const rejoined = parts.flatMap((p) => spanKeys(p.bytes));
  assert.equal(new Set(original).size, original.length, 'generator makes unique spans');
  assert.deepEqual(rejoined, original);
});

test('a 10 MB log request splits with every record exactly once', () => {
  const bytes = generateLogs({ seed: 7, resources: 3, scopesPerResource: 2, itemsPerScope: 5000 });
  assert.ok(bytes.length > 10_000_000);
  const parts = splitRequest('logs', bytes, 1_000_000);
  const seqs = parts.flatMap((p) =>
    (decodeRequest('logs', p.bytes) as Decoded).resourceLogs!.flatMap((r) =>
      r.scopeLogs.flatMap((s) =>
        s.logRecords.map((l) => Number(l.attributes.find((a) => a.key === 'seq')!.value.intValue)),
      ),
    ),
  );
  assert.equal(seqs.length, 30_000);
  assert.deepEqual(
    seqs,
    Array.from({ length: 30_000 }, (_, i) => i),
  );
  for (const part of parts) assert.ok(part.bytes.length <= 1_000_000);
});

test('a single item over the limit is refused with PAYLOAD_TOO_LARGE naming it', () => {
  const big = jsonToProtobuf(
    'logs',
    JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            { logRecords: [{ body: { stringValue: 'small' } }, { body: { stringValue: 'y'.repeat(2000) } }] },
          ],
        },
      ],
    }),
  );
  assert.throws(
    () => splitRequest('logs', big, 1024),
    (err: unknown) =>
      err instanceof TributaryError &&
      err.code === 'PAYLOAD_TOO_LARGE' &&
      /resource 0, scope 0, log record 1/.test(err.message),
  );
});
