/**
 * `tributary dev` against the test stack: Kafka and ClickHouse are given by flags, so dev runs only
 * its receiver and writer (seconds, not a JVM start), on free ports, with topics, database and
 * consumer group of their own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaBrokers } from './env.js';
import { freePort } from './stack.js';

export async function testDevArgs(
  database: string,
  clickhouse: string,
  extra: readonly string[] = [],
): Promise<string[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tributary-dev-'));
  return [
    'dev',
    '--state-dir',
    stateDir,
    '--kafka-brokers',
    kafkaBrokers().join(','),
    '--topics-prefix',
    `${database}.`,
    '--clickhouse-url',
    clickhouse,
    '--clickhouse-database',
    database,
    '--writer-group-id',
    database,
    '--receiver-http-port',
    String(await freePort()),
    '--receiver-grpc-port',
    String(await freePort()),
    '--receiver-health-port',
    String(await freePort()),
    '--receiver-metrics-port',
    '0',
    '--writer-health-port',
    String(await freePort()),
    '--writer-metrics-port',
    '0',
    '--writer-flush-interval-ms',
    '300',
    ...extra,
  ];
}

/** The value given to a flag in an argument list. */
export const flagValue = (args: readonly string[], name: string): string => args[args.indexOf(name) + 1]!;
