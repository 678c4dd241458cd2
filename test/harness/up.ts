/**
 * Development helper: `node --import tsx test/harness/up.ts [envfile]` starts a test stack (one Kafka
 * broker + local ClickHouse on free ports), writes its variables to envfile (default
 * .tributary/test-stack.env) as `export NAME=value` lines, and keeps it up until Ctrl-C.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startTestStack } from './stack.js';

const envFile = process.argv[2] ?? '.tributary/test-stack.env';
const stack = await startTestStack((line) => process.stderr.write(line + '\n'));
mkdirSync(dirname(envFile), { recursive: true });
writeFileSync(
  envFile,
  Object.entries(stack.env)
    .map(([k, v]) => `export ${k}=${v}\n`)
    .join(''),
);
process.stderr.write(`stack up; variables in ${envFile}\n`);
const stop = (): void => {
  void stack.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
