/**
 * Which settings of our writer the bench drains side by side: the insert bodies uncompressed (what
 * `clickhouse.compression=auto` does against the bench's local server) and zstd-compressed (what it does
 * against any other server), so one run shows bytes on the wire per row and the writer's CPU before and
 * after compression.
 *
 *   BENCH_WRITER_COMPRESSION=none,zstd,gzip   the values to drain (default: none,zstd)
 */
import { configSchema, envName } from '../../core/config/options.js';

export interface WriterVariant {
  /** `tributary (clickhouse.compression=<value>)`. */
  readonly name: string;
  /** Environment for the writer process. */
  readonly env: Readonly<Record<string, string>>;
  /** The writer as configured by default against the local server (its figures are the headline). */
  readonly isDefault: boolean;
}

export interface WriterVariants {
  readonly variants: readonly WriterVariant[];
  /** What the variants are, for the report. */
  readonly note: string;
}

const KEY = 'clickhouse.compression';

export function writerVariants(requested = process.env['BENCH_WRITER_COMPRESSION']): WriterVariants {
  const allowed: readonly string[] = configSchema[KEY].values;
  const values = (requested ?? 'none,zstd').split(',').map((v) => v.trim());
  for (const value of values)
    if (!allowed.includes(value))
      throw new Error(`BENCH_WRITER_COMPRESSION: ${value} is not one of ${allowed.join(', ')}`);
  return {
    variants: values.map((value) => ({
      name: `tributary (${KEY}=${value})`,
      env: { [envName(KEY)]: value },
      // `auto` against the bench's loopback server sends bodies uncompressed.
      isDefault: value === 'none',
    })),
    note: `Insert compression: our writer drained with ${KEY} = ${values.join(' and ')}, side by side in each round (auto is none against a loopback server, zstd against any other).`,
  };
}
