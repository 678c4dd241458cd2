/** What a test file needs from the shared stack, plus names no other test uses. */
import { randomBytes } from 'node:crypto';
import { ENV_CLICKHOUSE, ENV_KAFKA } from './stack.js';

export function kafkaBrokers(): string[] {
  const value = process.env[ENV_KAFKA];
  if (!value)
    throw new Error(
      `${ENV_KAFKA} is not set: run the tests with \`npm test\` (test/run.mjs starts the stack)`,
    );
  return value.split(',');
}

export function clickhouseUrl(): string {
  const value = process.env[ENV_CLICKHOUSE];
  if (!value)
    throw new Error(
      `${ENV_CLICKHOUSE} is not set: run the tests with \`npm test\` (test/run.mjs starts the stack)`,
    );
  return value;
}

/** A name unique to this test: `prefix_<hex>` (valid as a Kafka topic, ClickHouse table or database). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}
