import type { Config } from '../core/config/options.js';
// STUB — to be implemented: `tributary writer`.
export function runWriter(_config: Config): Promise<void> {
  return Promise.reject(new Error('not implemented yet'));
}
