import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderReadme } from '../../cli/config-doc.js';
import { fromRoot } from '../../core/paths.js';

const readme = readFileSync(fromRoot('README.md'), 'utf8');

test('the README configuration table matches the config schema', () => {
  assert.equal(readme, renderReadme(readme), 'run `npm run docs:config` to regenerate the table');
});

test('the README quick start is the two commands CI and users run', () => {
  assert.match(readme, /npm ci && npm start/);
  assert.match(readme, /npm test/);
  const ci = readFileSync(fromRoot('.ci', 'run'), 'utf8');
  assert.match(ci, /^npm test$/m);
});
