import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RowRules, ruleVersion } from '../../../writer/batch.js';
import { loadConfig } from '../../../core/config/load.js';
import { LOG_RULES_VERSION } from '../../../writer/clickstack/rules.js';
import { rowRules } from '../../../writer/setup.js';

const rules: RowRules = {
  maxPastMs: 1000,
  maxFutureMs: 2000,
  maxRecordBytes: 4096,
  logProcessing: 'clickstack',
};

test('log batches pin the log processing: switching it or the rules is another plan', () => {
  const clickstack = ruleVersion(rules, 'logs');
  const none = ruleVersion({ ...rules, logProcessing: 'none' }, 'logs');
  assert.notEqual(clickstack, none);
  assert.ok(clickstack.includes(LOG_RULES_VERSION), clickstack);
  assert.ok(!none.includes(LOG_RULES_VERSION), none);
});

test('traces and metrics do not depend on the log processing', () => {
  for (const signal of ['traces', 'metrics'] as const) {
    assert.equal(ruleVersion(rules, signal), ruleVersion({ ...rules, logProcessing: 'none' }, signal));
    assert.equal(ruleVersion(rules, signal), 'rows/4;past=1000;future=2000;record=4096');
  }
});

test('writer.logProcessing reaches the rules the writer and replay build batches with', () => {
  const config = (logProcessing: string) =>
    loadConfig({ env: {}, overrides: { 'writer.logProcessing': logProcessing } }).config;
  assert.equal(rowRules(config('none')).logProcessing, 'none');
  assert.match(ruleVersion(rowRules(config('none')), 'logs'), /;logs=none$/);
  assert.equal(rowRules(config('clickstack')).logProcessing, 'clickstack');
});
