import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Raw } from '../../../../writer/decode/anyvalue.js';
import {
  applySeverityRules,
  goToLower,
  inferSeverityFromBody,
  promoteLevelAttribute,
  severityNumberOfText,
  utf8Prefix,
} from '../../../../writer/clickstack/severity.js';

const lookup = (pairs: [string, Raw][]) => (key: string) => new Map(pairs).get(key);

test('B1: the first listed key holding a non-empty string, verbatim', () => {
  const cases: [[string, Raw][], string][] = [
    [[['level', 'warn']], 'warn'],
    [[['Severity', ' Debug ']], ' Debug '],
    [
      [
        ['log.level', 'fatal'],
        ['SEVERITY', 'info'],
      ],
      'info',
    ],
    [
      [
        ['level', 30],
        ['severity', 'error'],
      ],
      'error',
    ], // pino's numeric level is skipped
    [
      [
        ['level', ''],
        ['Level', 'x'],
      ],
      'x',
    ],
    [[['level', 30n]], ''],
    [[['lvl', 'warn']], ''],
  ];
  for (const [pairs, expected] of cases)
    assert.equal(
      promoteLevelAttribute(lookup(pairs)),
      expected,
      JSON.stringify(pairs, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
});

test('B2/B3: the last matching class wins; 9 when nothing matches', () => {
  const cases: [string, number][] = [
    ['Information', 9],
    ['WARNING', 13],
    ['critical error', 17],
    ['fatal_trace', 1],
    ['notice', 13],
    ['verbose', 9],
    ['EMERG', 21],
    ['dbug', 5],
    ['err', 17],
  ];
  for (const [text, number] of cases) assert.equal(severityNumberOfText(text), number, text);
});

test('C3/C4: keyword at a word start, superstrings match, substrings do not', () => {
  const cases: [string, string, number][] = [
    ['ERRORS detected', 'error', 17],
    ['mimir-alertmanager started', 'fatal', 21],
    ['[crit] x', 'fatal', 21],
    ['"warn" y', 'warn', 13],
    ['code:err', 'error', 17],
    ['_error only', 'info', 9],
    ['1error only', 'info', 9],
    ['information only', 'info', 9], // info is not a C keyword
    ['éerror', 'error', 17], // é is not an ASCII word character
    ['', 'info', 9],
  ];
  for (const [body, text, number] of cases)
    assert.deepEqual(inferSeverityFromBody(body), { text, number }, body);
});

test('C2: the scan window is 256 UTF-8 bytes', () => {
  assert.deepEqual(
    inferSeverityFromBody(`${'x '.repeat(126)}err`),
    { text: 'error', number: 17 },
    'err ends at byte 255',
  );
  assert.deepEqual(
    inferSeverityFromBody(`${'x '.repeat(127)}err`),
    { text: 'info', number: 9 },
    'err cut to "er"',
  );
  // 85 three-byte characters = 255 bytes: one ASCII byte left, so "warn" does not fit.
  assert.deepEqual(inferSeverityFromBody(`${'€'.repeat(85)} warn`), { text: 'info', number: 9 });
  assert.deepEqual(inferSeverityFromBody(`${'€'.repeat(83)} warn`), { text: 'warn', number: 13 });
  assert.equal(utf8Prefix('a€', 2), 'a', 'a split character is dropped');
  assert.equal(utf8Prefix('😀😀', 5), '😀', 'surrogate pairs count as 4 bytes');
});

test("D: Go's strings.ToLower", () => {
  assert.equal(goToLower('WaRn'), 'warn');
  assert.equal(goToLower('İNFO'), 'info', 'U+0130 maps to a plain i');
  assert.equal(goToLower('ΣΑΣ'), 'σασ', 'no final-sigma context rule');
  assert.equal(goToLower('ÉRROR'), 'érror');
});

test('B → C → D composition', () => {
  const none = lookup([]);
  const cases: [[string, number], [string, Raw][], string, [string, number]][] = [
    [['', 0], [['level', 'WARN']], 'error in body', ['warn', 13]],
    [['', 0], [['level', 30]], 'error in body', ['error', 17]],
    [['', 0], [], 'nothing', ['info', 9]],
    [['DEBUG', 0], [['level', 'warn']], 'error', ['debug', 0]],
    [['', 9], [['level', 'warn']], 'error', ['', 9]],
    [['Verbose', 3], [], '', ['verbose', 3]],
  ];
  for (const [[text, number], pairs, body, expected] of cases) {
    const got = applySeverityRules({ text, number }, pairs.length ? lookup(pairs) : none, () => body);
    assert.deepEqual([got.text, got.number], expected, `${text}/${number} ${body}`);
  }
});
