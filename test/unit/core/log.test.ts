/** Log events are JSON objects each key of which appears once, whatever the logger binds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, setLogFormat, setLogLevel } from '../../../core/log.js';
import { parseStrictJson } from '../../harness/strict-json.js';

/** The JSON lines `emit` writes to stderr. */
function captured(emit: () => void): string[] {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array): boolean => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  try {
    emit();
  } finally {
    process.stderr.write = write;
  }
  return lines;
}

test('a field the logger already binds is written once, with the event value', () => {
  setLogFormat('json');
  setLogLevel('info');
  const lines = captured(() => {
    const log = createLogger({ component: 'writer' }).child({ signal: 'traces' });
    log.info('partitions assigned', { signal: 'traces', partitions: ['otlp_spans:0'] });
    log.child({ partition: 'otlp_spans:0' }).warn('moved', { partition: 'otlp_spans:1', signal: 'logs' });
    log.info('plain', { other: 1 });
  });
  assert.equal(lines.length, 3);
  const events = lines.map((line) => parseStrictJson(line) as Record<string, unknown>);
  assert.equal(events[0]!['signal'], 'traces');
  assert.equal(events[0]!['component'], 'writer');
  assert.deepEqual(events[0]!['partitions'], ['otlp_spans:0']);
  assert.equal(events[1]!['partition'], 'otlp_spans:1');
  assert.equal(events[1]!['signal'], 'logs');
  assert.equal(events[2]!['signal'], 'traces');
  assert.equal(events[2]!['other'], 1);
});

test('the strict parser refuses a repeated key', () => {
  assert.throws(() => parseStrictJson('{"signal":"traces","signal":"traces"}'), /unique/);
});
