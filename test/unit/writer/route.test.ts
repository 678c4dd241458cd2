import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../core/config/load.js';
import type { Signal } from '../../../schemas/otlp/shapes.js';
import { type Route, routeRecord, topicReaders } from '../../../writer/route.js';

const ALL: Signal[] = ['traces', 'metrics', 'logs'];

// [case, topic's readers, header values, expected route per deciding group (traces, metrics, logs)]
const CASES: [string, Signal[], string[], (Route['kind'] | RegExp)[]][] = [
  [
    'own topic, no header: the topic signal writes (as before headers)',
    ['logs'],
    [],
    ['skip', 'skip', 'write'],
  ],
  ['own topic, its own header', ['logs'], ['logs'], ['skip', 'skip', 'write']],
  [
    'own topic, header names a signal not read here: owner dead-letters',
    ['logs'],
    ['traces'],
    ['skip', 'skip', /names traces, whose writer does not read/],
  ],
  ['shared topic, traces header', ALL, ['traces'], ['write', 'skip', 'skip']],
  ['shared topic, metrics header', ALL, ['metrics'], ['skip', 'write', 'skip']],
  ['shared topic, logs header', ALL, ['logs'], ['skip', 'skip', 'write']],
  [
    'shared topic, profiles: only the owner (traces) dead-letters',
    ALL,
    ['profiles'],
    [/unknown signal \("profiles"\)/, 'skip', 'skip'],
  ],
  ['shared topic, garbage value', ALL, ['Logs '], [/unknown signal/, 'skip', 'skip']],
  ['shared topic, empty value', ALL, [''], [/unknown signal \(""\)/, 'skip', 'skip']],
  [
    'shared topic, no header: ambiguous, owner dead-letters',
    ALL,
    [],
    [/no otelcol.signal header.*traces, metrics, logs/, 'skip', 'skip'],
  ],
  ['shared topic, duplicated header', ALL, ['logs', 'logs'], [/2 otelcol.signal headers/, 'skip', 'skip']],
  ['logs and metrics share: metrics owns', ['metrics', 'logs'], ['profiles'], ['skip', /unknown/, 'skip']],
  ['logs and metrics share, logs header', ['metrics', 'logs'], ['logs'], ['skip', 'skip', 'write']],
];

for (const [name, readers, header, expected] of CASES)
  test(`route: ${name}`, () => {
    ALL.forEach((signal, i) => {
      // Only groups that read the topic decide; the others never see its records.
      if (!readers.includes(signal)) return;
      const want = expected[i]!;
      const got = routeRecord({ signal, topicSignals: readers, header });
      if (want instanceof RegExp) {
        assert.equal(got.kind, 'dead', `${signal}: ${JSON.stringify(got)}`);
        assert.match((got as { reason: string }).reason, want);
        assert.equal((got as { code: string }).code, 'SIGNAL_UNROUTABLE');
      } else assert.equal(got.kind, want, signal);
    });
    // Exactly one reading group claims a record: it writes it or dead-letters it.
    const claims = readers.filter(
      (signal) => routeRecord({ signal, topicSignals: readers, header }).kind !== 'skip',
    );
    assert.equal(claims.length, 1);
  });

test('route: no routing information means the group reads the topic alone', () => {
  assert.equal(routeRecord({ signal: 'metrics', topicSignals: [], header: [] }).kind, 'write');
  assert.equal(routeRecord({ signal: 'metrics', topicSignals: [], header: ['logs'] }).kind, 'dead');
});

function config(overrides: Record<string, unknown>) {
  return loadConfig({ env: {}, overrides }).config;
}

test('topicReaders: per-signal topics, a shared topic, regex topic lists', () => {
  const separate = topicReaders(config({ 'topics.prefix': 'eu.' }));
  assert.deepEqual(separate('eu.otlp_spans'), ['traces']);
  assert.deepEqual(separate('eu.otlp_logs'), ['logs']);
  assert.deepEqual(separate('otlp_logs'), []);
  const shared = topicReaders(
    config({ 'topics.traces': 'otlp_shared', 'topics.metrics': 'otlp_shared', 'topics.logs': 'otlp_shared' }),
  );
  assert.deepEqual(shared('otlp_shared'), ['traces', 'metrics', 'logs']);
  const rotel = topicReaders(config({ 'topics.traces': 'otlp_traces' }));
  assert.deepEqual(rotel('otlp_traces'), ['traces']);
  const regex = topicReaders(
    config({ 'writer.logsTopics': '^(eu|us)\\.otlp_all$', 'writer.metricsTopics': 'eu.otlp_all' }),
  );
  assert.deepEqual(regex('eu.otlp_all'), ['metrics', 'logs']);
  assert.deepEqual(regex('us.otlp_all'), ['logs']);
});
