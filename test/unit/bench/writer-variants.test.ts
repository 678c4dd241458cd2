/** The bench drains our writer per insert-compression setting when the config has a key for it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Option, configSchema } from '../../../core/config/options.js';
import { oneOf, use } from '../../../core/config/option-types.js';
import { writerVariants } from '../../../bench/lib/writer-variants.js';

const WRITER = use('behaviour', ['writer']);
const withKey = (key: string, option: Option): Record<string, Option> => ({ ...configSchema, [key]: option });

test('without a compression key: one variant, the writer as configured, and the report says so', () => {
  const schema = Object.fromEntries(
    Object.entries(configSchema).filter(([k]) => !/compress/i.test(k) || k.startsWith('receiver.')),
  );
  const { variants, note } = writerVariants(undefined, schema);
  assert.deepEqual(variants, [{ name: 'tributary', env: {}, isDefault: true }]);
  assert.match(note, /no config key/);
});

test('an enum key on by default: drained off and as configured, side by side', () => {
  const schema = withKey(
    'clickhouse.insertCompression',
    oneOf('lz4', ['none', 'lz4', 'zstd'] as const, 'doc', WRITER),
  );
  const { variants } = writerVariants(undefined, schema);
  assert.deepEqual(
    variants.map((v) => [v.name, v.env, v.isDefault]),
    [
      [
        'tributary (clickhouse.insertCompression=none)',
        { TRIBUTARY_CLICKHOUSE_INSERT_COMPRESSION: 'none' },
        false,
      ],
      [
        'tributary (clickhouse.insertCompression=lz4)',
        { TRIBUTARY_CLICKHOUSE_INSERT_COMPRESSION: 'lz4' },
        true,
      ],
    ],
  );
});

test('an enum key off by default: off (the default) and the first value that compresses', () => {
  const schema = withKey(
    'writer.compression',
    oneOf('none', ['none', 'zstd', 'lz4'] as const, 'doc', WRITER),
  );
  const { variants } = writerVariants(undefined, schema);
  assert.deepEqual(
    variants.map((v) => [v.env['TRIBUTARY_WRITER_COMPRESSION'], v.isDefault]),
    [
      ['none', true],
      ['zstd', false],
    ],
  );
});

test('BENCH_WRITER_COMPRESSION picks the values', () => {
  const schema = withKey(
    'clickhouse.compression',
    oneOf('lz4', ['none', 'lz4', 'zstd'] as const, 'doc', WRITER),
  );
  const { variants } = writerVariants('none,lz4,zstd', schema);
  assert.deepEqual(
    variants.map((v) => v.env['TRIBUTARY_CLICKHOUSE_COMPRESSION']),
    ['none', 'lz4', 'zstd'],
  );
});
