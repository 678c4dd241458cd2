import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromRoot } from '../../core/paths.js';

/**
 * chdb lists platform packages the registry does not serve (darwin, linux-arm64). `npm install`
 * leaves them out of the lock file, and then `npm ci` refuses to run. The lock keeps an entry for
 * each (os/cpu-restricted, optional) so npm ci skips them instead of failing.
 */
test('the lock file lists every chdb platform package, so npm ci works', () => {
  const lock = JSON.parse(readFileSync(fromRoot('package-lock.json'), 'utf8')) as {
    packages: Record<string, { optional?: boolean }>;
  };
  const chdb = JSON.parse(readFileSync(fromRoot('node_modules', 'chdb', 'package.json'), 'utf8')) as {
    optionalDependencies?: Record<string, string>;
  };
  for (const name of Object.keys(chdb.optionalDependencies ?? {})) {
    const entry = lock.packages[`node_modules/${name}`];
    assert.ok(entry, `${name} is missing from package-lock.json: re-add it (see this test's comment)`);
    assert.equal(entry.optional, true);
  }
});
