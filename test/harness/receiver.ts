/** Starts a receiver on OS-assigned ports against the test Kafka, with its own topics. */
import assert from 'node:assert/strict';
import { loadConfig } from '../../core/config/load.js';
import type { Config, ConfigKey } from '../../core/config/options.js';
import { type RunningReceiver, startReceiver } from '../../receiver/main.js';
import { kafkaBrokers } from './env.js';
import { freshTopics } from './kafka.js';

export interface TestReceiver extends RunningReceiver {
  readonly config: Config;
  readonly topics: { prefix: string; traces: string; metrics: string; logs: string };
  readonly httpUrl: string;
}

/** A receiver's config on loopback, OS-assigned ports (metrics off), against `brokers`; `overrides` on top. */
export function receiverConfig(
  brokers: readonly string[],
  overrides: Partial<Record<ConfigKey, unknown>> = {},
): Config {
  return loadConfig({
    env: {},
    overrides: {
      'kafka.brokers': brokers.join(','),
      'receiver.host': '127.0.0.1',
      'receiver.httpPort': 0,
      'receiver.grpcPort': 0,
      'receiver.healthPort': 0,
      'receiver.metricsPort': 0,
      logLevel: 'warn',
      ...overrides,
    },
  }).config;
}

export async function startTestReceiver(
  overrides: Partial<Record<ConfigKey, unknown>> = {},
  partitions = 3,
): Promise<TestReceiver> {
  const topics = await freshTopics(partitions);
  const config = receiverConfig(kafkaBrokers(), { 'topics.prefix': topics.prefix, ...overrides });
  const receiver = await startReceiver(config);
  return {
    ...receiver,
    stop: () => receiver.stop(),
    config,
    topics,
    httpUrl: `http://127.0.0.1:${receiver.httpPort}`,
  };
}

/** Posts an OTLP/JSON request to a receiver (`url` = its base URL + `/v1/<signal>`); it must answer 200. */
export async function postOtlpJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(response.status, 200, await response.text());
}
