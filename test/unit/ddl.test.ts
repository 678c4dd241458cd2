import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDdl, renderDdl } from '../../schemas/ddl.js';

const base = { database: 'otel', ttlDays: 0, cluster: '', dedupWindow: 1000 };

test('TTL clause only when ttlDays > 0', () => {
  const template =
    'CREATE TABLE {{db}}.t (a DateTime) ENGINE = {{engine:t}} ORDER BY a {{ttl:a}} SETTINGS {{dedup_settings}}';
  assert.doesNotMatch(renderDdl(template, base), /TTL/);
  assert.match(renderDdl(template, { ...base, ttlDays: 7 }), /TTL a \+ toIntervalDay\(7\)/);
});

test('a cluster gets ON CLUSTER, Replicated engines and the replicated dedup window', () => {
  const files = loadDdl({ ...base, cluster: 'prod' });
  const all = files.flatMap((f) => f.statements).join('\n');
  assert.equal((all.match(/ON CLUSTER `prod`/g) ?? []).length, files.flatMap((f) => f.statements).length);
  assert.match(
    all,
    /ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/otel\/otel_logs', '\{replica\}'\)/,
  );
  assert.match(all, /replicated_deduplication_window = 1000/);
  assert.doesNotMatch(all, /non_replicated_deduplication_window/);
});

test('a single server gets MergeTree and the non-replicated dedup window on every table', () => {
  const statements = loadDdl(base).flatMap((f) => f.statements);
  const tables = statements.filter((s) => /^CREATE TABLE/.test(s));
  assert.equal(tables.length, 12); // 9 ClickStack tables + the delivery state's 3
  // The data tables carry the dedup window; the state tables are written without dedup on purpose.
  for (const s of tables.filter((x) => !/\.tributary_/.test(x)))
    assert.match(s, /non_replicated_deduplication_window = 1000/);
  assert.ok(!statements.join('\n').includes('{{'), 'every placeholder rendered');
});

test('bad names are refused before any SQL is built', () => {
  assert.throws(() => renderDdl('x', { ...base, database: 'otel; DROP' }), /database name/);
  assert.throws(() => renderDdl('x', { ...base, cluster: "a'b" }), /cluster name/);
});
