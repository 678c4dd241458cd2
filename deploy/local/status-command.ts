/**
 * The `tributary status` command line that watches a running `dev`: only the options whose values
 * differ from status's defaults (which are dev's own defaults), so on default ports it is just
 * `tributary status`. Secrets never appear: they come from the environment, as they did for dev.
 */
import { flagsOf } from '../../core/config/flags.js';
import { type Config, type ConfigKey, configSchema } from '../../core/config/options.js';

/** A shell word: as it is when safe, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface DevEndpoints {
  readonly brokers: readonly string[];
  readonly clickhouseUrl: string;
  /** Where dev's receiver and writer answer (the host clients use). */
  readonly host: string;
}

export function statusCommand(config: Config, endpoints: DevEndpoints): string {
  const url = (port: number): string[] => (port > 0 ? [`http://${endpoints.host}:${port}`] : []);
  const wanted: Partial<Record<ConfigKey, string | readonly string[]>> = {
    'kafka.brokers': endpoints.brokers,
    'topics.prefix': config['topics.prefix'],
    'topics.traces': config['topics.traces'],
    'topics.metrics': config['topics.metrics'],
    'topics.logs': config['topics.logs'],
    'clickhouse.url': endpoints.clickhouseUrl,
    'clickhouse.database': config['clickhouse.database'],
    'clickhouse.user': config['clickhouse.user'],
    // Port 0 (any free port) cannot be named: that component is left out.
    'status.endpoints': [...url(config['receiver.healthPort']), ...url(config['writer.healthPort'])],
    'status.metricsEndpoints': [...url(config['receiver.metricsPort']), ...url(config['writer.metricsPort'])],
  };
  const words = ['tributary', 'status'];
  for (const [key, value] of Object.entries(wanted) as [ConfigKey, string | readonly string[]][]) {
    const shown = typeof value === 'string' ? value : value.join(',');
    const fallback = configSchema[key].default;
    if (shown === (Array.isArray(fallback) ? fallback.join(',') : String(fallback))) continue;
    words.push(flagsOf(key, 'status')[0]!, shellWord(shown));
  }
  return words.join(' ');
}
