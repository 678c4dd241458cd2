import { fileURLToPath } from 'node:url';
import { fromRoot } from './paths.js';

/**
 * How to start this same tributary as a child process (`dev` runs its receiver and writer this way,
 * the local ClickHouse runs in its own process): from dist/ with plain node, or from the TypeScript
 * sources through tsx when the parent itself runs from sources (development, tests). It names the CLI
 * entry by path only, so nothing below the CLI imports it.
 */
export function selfCommand(): { command: string; args: string[] } {
  const runningFromSources = fileURLToPath(import.meta.url).endsWith('.ts');
  return runningFromSources
    ? { command: process.execPath, args: ['--import', 'tsx', fromRoot('cli', 'main.ts')] }
    : { command: process.execPath, args: [fromRoot('dist', 'cli', 'main.js')] };
}
