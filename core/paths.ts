import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (the folder with package.json), found from this file whether it runs from the
 * sources or from dist/, so .proto, .sql and pom.xml files are found in both.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tributary: cannot find the package root (package.json + schemas/)');
    dir = parent;
  }
}

export const packageRoot = findRoot();

export function fromRoot(...parts: string[]): string {
  return join(packageRoot, ...parts);
}
