import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCatalog, GRPC, TributaryError } from '../../core/errors.js';
import { fromRoot } from '../../core/paths.js';

test('every error code is documented in docs/errors.md with its statuses', () => {
  const doc = readFileSync(fromRoot('docs', 'errors.md'), 'utf8');
  for (const [code, spec] of Object.entries(errorCatalog)) {
    const line = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` `));
    assert.ok(line, `${code} is missing from docs/errors.md`);
    assert.ok(line.includes(`| ${spec.http} |`), `${code}: HTTP ${spec.http} documented`);
    assert.ok(line.includes(spec.retryable ? '| yes |' : '| no |'), `${code}: retryable documented`);
  }
});

test('retryable errors map to retryable statuses, permanent ones to permanent statuses', () => {
  for (const [code, spec] of Object.entries(errorCatalog)) {
    if (spec.retryable) {
      assert.ok([429, 503].includes(spec.http), `${code} retryable → 429/503`);
      assert.ok([GRPC.UNAVAILABLE, GRPC.RESOURCE_EXHAUSTED].includes(spec.grpc), `${code} grpc retryable`);
    } else {
      assert.ok(![429, 503].includes(spec.http), `${code} permanent → not 429/503`);
    }
  }
  const err = new TributaryError('PAYLOAD_TOO_LARGE', 'x');
  assert.equal(err.httpStatus, 413);
  assert.equal(err.grpcStatus, GRPC.INVALID_ARGUMENT);
  assert.equal(err.retryable, false);
});
