/** The topic contract's constants are the only place their values are written. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromRoot } from '../../../core/paths.js';
import {
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  RECORD_FRAMING_BYTES,
  REPLAY_WINDOW_MS,
  topicSettings,
} from '../../../schemas/topics.js';

test("Kafka's default message.max.bytes is written once, in the topic contract", () => {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(fromRoot(dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (
        /\.(ts|yml|yaml|sh|mjs|cjs)$/.test(entry.name) &&
        /\b1_?048_?588\b/.test(readFileSync(fromRoot(path), 'utf8'))
      )
        found.push(path);
    }
  };
  for (const dir of [
    'cli',
    'core',
    'kafka',
    'receiver',
    'writer',
    'schemas',
    'deploy',
    'ops',
    'bench',
    'test',
  ])
    walk(dir);
  walk('.ci');
  assert.deepEqual(found, [join('schemas', 'topics.ts')]);
});

test('topics tributary creates keep the replay window, and a DLQ topic takes its source record plus headers', () => {
  assert.deepEqual(topicSettings('otlp_logs'), { 'retention.ms': String(REPLAY_WINDOW_MS) });
  assert.deepEqual(topicSettings('eu.otlp_logs.dlq'), {
    'retention.ms': String(REPLAY_WINDOW_MS),
    'max.message.bytes': String(KAFKA_DEFAULT_MAX_MESSAGE_BYTES + RECORD_FRAMING_BYTES),
  });
});
