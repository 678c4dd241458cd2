import type { LoadedConfig } from '../../core/config/load.js';
// STUB — to be implemented: `tributary dev`.
export function runDev(_loaded: LoadedConfig): Promise<void> {
  return Promise.reject(new Error('not implemented yet'));
}
