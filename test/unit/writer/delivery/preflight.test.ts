/**
 * Where the delivery state lives on each topology (writer/delivery/preflight.ts resolveCoordination):
 * KeeperMap whenever the tables are replicated, MergeTree on one server; several shards and
 * MergeTree plans on replicated tables are refused with the reason and the fix.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../../core/config/load.js';
import { TributaryError } from '../../../../core/errors.js';
import { INSERTED_TABLES, KEEPER_STATE_TABLE } from '../../../../schemas/ddl.js';
import { resolveCoordination } from '../../../../writer/delivery/preflight.js';
import type { ServerCaps } from '../../../../writer/delivery/server-caps.js';

function caps(engine: string, options: { shards?: number; keeper?: boolean } = {}): ServerCaps {
  const engines = new Map(INSERTED_TABLES.map((t) => [t, engine]));
  if (options.keeper) engines.set(KEEPER_STATE_TABLE, 'KeeperMap');
  return { version: '26.7.2.1', timezone: 'UTC', insertSettings: {}, shards: options.shards ?? 1, engines };
}

const config = (coordination: string, cluster = '') =>
  loadConfig({ env: {}, overrides: { 'clickhouse.coordination': coordination, 'schema.cluster': cluster } })
    .config;

test('one server: MergeTree plans, unless KeeperMap is asked for and exists', () => {
  assert.equal(resolveCoordination(config('auto'), caps('MergeTree')), 'mergetree');
  assert.equal(resolveCoordination(config('keepermap'), caps('MergeTree', { keeper: true })), 'keepermap');
  assert.throws(
    () => resolveCoordination(config('keepermap'), caps('MergeTree')),
    /tributary_plans_kv does not exist.*keeper_map_path_prefix/,
  );
});

test('replicated or shared tables: KeeperMap plans; MergeTree plans are refused', () => {
  assert.equal(
    resolveCoordination(config('auto', 'c'), caps('ReplicatedMergeTree', { keeper: true })),
    'keepermap',
  );
  assert.equal(resolveCoordination(config('auto'), caps('SharedMergeTree', { keeper: true })), 'keepermap');
  assert.throws(
    () => resolveCoordination(config('mergetree', 'c'), caps('ReplicatedMergeTree', { keeper: true })),
    (err: unknown) =>
      err instanceof TributaryError &&
      /not a compare-and-set.*clickhouse.coordination=keepermap/.test(err.message),
  );
  assert.throws(
    () => resolveCoordination(config('auto'), caps('SharedMergeTree')),
    /run `tributary migrate`/,
  );
});

test('several shards are refused, whatever the coordination', () => {
  for (const coordination of ['auto', 'mergetree', 'keepermap'])
    assert.throws(
      () =>
        resolveCoordination(
          config(coordination, 'prod'),
          caps('ReplicatedMergeTree', { shards: 2, keeper: true }),
        ),
      /cluster prod has 2 shards.*per shard/,
    );
});
