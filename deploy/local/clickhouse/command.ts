import type { Config } from '../../../core/config/options.js';
// STUB — to be implemented: `tributary clickhouse`.
export function runClickHouseCommand(_config: Config): Promise<void> {
  return Promise.reject(new Error('not implemented yet'));
}
