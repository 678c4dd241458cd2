/**
 * Which builds of our writer the bench drains side by side: with the insert-body compression off and
 * on, when this build's config has a key for it, so the bench shows bytes on the wire per row and the
 * writer's CPU before and after compression in one run. The key is found in the config schema (a
 * `clickhouse.*` or `writer.*` key whose name says compress); without one there is one variant, the
 * writer as configured, and the report says so.
 *
 *   BENCH_WRITER_COMPRESSION=none,lz4,zstd   the values to drain (default: off and the key's default,
 *                                             or its first "on" value when the default is off)
 */
import { type Option, configSchema, envName } from '../../core/config/options.js';

export interface WriterVariant {
  /** `tributary` alone, or `tributary (<key>=<value>)`. */
  readonly name: string;
  /** Environment for the writer process. */
  readonly env: Readonly<Record<string, string>>;
  /** The writer as configured by default (its figures are the bench's headline writer figures). */
  readonly isDefault: boolean;
}

export interface WriterVariants {
  readonly variants: readonly WriterVariant[];
  /** What the variants are, for the report. */
  readonly note: string;
}

const OFF = new Set(['none', 'off', 'false', 'disabled']);

type Schema = Readonly<Record<string, Option>>;

export function compressionKey(schema: Schema = configSchema): string | undefined {
  return Object.keys(schema).find((key) => /^(clickhouse|writer)\.\w*compress/i.test(key));
}

export function writerVariants(
  requested = process.env['BENCH_WRITER_COMPRESSION'],
  schema: Schema = configSchema,
): WriterVariants {
  const key = compressionKey(schema);
  if (!key)
    return {
      variants: [{ name: 'tributary', env: {}, isDefault: true }],
      note: 'Insert compression: this build has no config key for it (no clickhouse.*compress* or writer.*compress* key); the writer sends its insert bodies uncompressed.',
    };
  const option = schema[key]!;
  const def = String(option.default);
  let values: string[];
  if (requested) values = requested.split(',').map((v) => v.trim());
  else if (option.type === 'bool') values = ['false', 'true'];
  else if (option.type === 'enum') {
    const all = option.values;
    const off = all.find((v) => OFF.has(v)) ?? all[0]!;
    const on = OFF.has(def) ? (all.find((v) => !OFF.has(v)) ?? def) : def;
    values = [...new Set([off, on])];
  } else values = [def];
  return {
    variants: values.map((value) => ({
      name: `tributary (${key}=${value})`,
      env: { [envName(key)]: value },
      isDefault: value === def,
    })),
    note: `Insert compression: our writer drained with ${key} = ${values.join(' and ')} (default ${def}), side by side in each round.`,
  };
}
