import { fileURLToPath } from 'node:url';
import { fromRoot } from '../paths.js';

/**
 * How to start this same tributary as a child process: from dist/ with plain node, or from the
 * TypeScript sources through tsx when the parent itself runs from sources (development, tests).
 */
export function selfCommand(): { command: string; args: string[] } {
  const runningFromSources = fileURLToPath(import.meta.url).endsWith('.ts');
  return runningFromSources
    ? { command: process.execPath, args: ['--import', 'tsx', fromRoot('core', 'cli', 'main.ts')] }
    : { command: process.execPath, args: [fromRoot('dist', 'core', 'cli', 'main.js')] };
}
