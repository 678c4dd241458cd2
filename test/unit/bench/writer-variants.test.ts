/** The bench drains our writer with its insert bodies uncompressed and compressed, side by side. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writerVariants } from '../../../bench/lib/writer-variants.js';

test('by default: clickhouse.compression none (the local default, the headline) and zstd', () => {
  const { variants, note } = writerVariants(undefined);
  assert.deepEqual(
    variants.map((v) => [v.name, v.env, v.isDefault]),
    [
      ['tributary (clickhouse.compression=none)', { TRIBUTARY_CLICKHOUSE_COMPRESSION: 'none' }, true],
      ['tributary (clickhouse.compression=zstd)', { TRIBUTARY_CLICKHOUSE_COMPRESSION: 'zstd' }, false],
    ],
  );
  assert.match(note, /none and zstd/);
});

test('BENCH_WRITER_COMPRESSION picks the values; an unknown one is refused by name', () => {
  assert.deepEqual(
    writerVariants('none,gzip,zstd').variants.map((v) => v.env['TRIBUTARY_CLICKHOUSE_COMPRESSION']),
    ['none', 'gzip', 'zstd'],
  );
  assert.throws(() => writerVariants('lz4'), /lz4 is not one of auto, none, gzip, zstd/);
});
