import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Raw, sortAttributes } from '../../../../writer/decode/anyvalue.js';
import {
  LOG_RULES_VERSION,
  applyLogRules,
  logNeedsRules,
  logRulesVersion,
} from '../../../../writer/clickstack/rules.js';

const map = (...entries: [string, Raw][]): Raw => ({ entries });

interface Case {
  name: string;
  body: Raw;
  attributes?: [string, Raw][];
  severity?: [string, number];
  expect: { attributes: [string, string][] | null; severity: [string, number] };
}

const cases: Case[] = [
  {
    name: 'numbers become doubles, null an empty value with its key kept',
    body: '{"i":1,"f":1.5,"big":12345678901234567890,"tiny":1e-7,"huge":1e21,"n":null}',
    expect: {
      attributes: [
        ['big', '12345678901234567000'],
        ['f', '1.5'],
        ['huge', '1e+21'],
        ['i', '1'],
        ['n', ''],
        ['tiny', '1e-7'],
      ],
      severity: ['info', 9],
    },
  },
  {
    name: 'arrays flatten by index, maps inside arrays by index and key',
    body: '{"tags":["a","b"],"spans":[{"id":1},{"id":2}],"none":[],"empty":{}}',
    expect: {
      attributes: [
        ['spans.0.id', '1'],
        ['spans.1.id', '2'],
        ['tags.0', 'a'],
        ['tags.1', 'b'],
      ],
      severity: ['info', 9],
    },
  },
  {
    name: 'a JSON key overwrites a producer attribute of the same name',
    body: 'msg {"user":"json","level":"debug"}',
    attributes: [
      ['user', 'producer'],
      ['kept', 7n],
    ],
    expect: {
      attributes: [
        ['kept', '7'],
        ['level', 'debug'],
        ['user', 'json'],
      ],
      severity: ['debug', 5],
    },
  },
  {
    name: 'multi-line body: pretty-printed JSON is not parsed, C still scans it',
    body: '{\n  "level": "error",\n  "msg": "x"\n}',
    expect: { attributes: [], severity: ['error', 17] },
  },
  {
    name: 'multi-line body: a one-line object on the second line is parsed',
    body: 'stack:\n{"frame":"main","depth":2}\nmore',
    expect: {
      attributes: [
        ['depth', '2'],
        ['frame', 'main'],
      ],
      severity: ['info', 9],
    },
  },
  {
    name: 'producer map and array attributes are flattened even without a JSON body',
    body: 'plain',
    attributes: [
      ['http', map(['status', 200n], ['ok', true])],
      ['ids', [1n, 2n]],
    ],
    expect: {
      attributes: [
        ['http.ok', 'true'],
        ['http.status', '200'],
        ['ids.0', '1'],
        ['ids.1', '2'],
      ],
      severity: ['info', 9],
    },
  },
  {
    name: 'a map body is merged after flattening: nested values stay JSON text, ints stay ints',
    body: map(['n', 3n], ['obj', map(['z', 1n], ['a', 'x'])], ['level', 'WARN']),
    attributes: [['obj', map(['inner', 'flattened'])]],
    expect: {
      attributes: [
        ['level', 'WARN'],
        ['n', '3'],
        ['obj', '{"a":"x","z":1}'],
        ['obj.inner', 'flattened'],
      ],
      severity: ['warn', 13],
    },
  },
  {
    name: 'a map body without a level is scanned as its sorted JSON text',
    body: map(['z', 'fatal happened'], ['a', 'ok']),
    expect: {
      attributes: [
        ['a', 'ok'],
        ['z', 'fatal happened'],
      ],
      severity: ['fatal', 21],
    },
  },
  {
    name: 'a JSON body that fails to parse merges nothing',
    body: '{"a":1} and {"b":2}',
    attributes: [['k', 'v']],
    expect: { attributes: [['k', 'v']], severity: ['info', 9] },
  },
  {
    name: 'severity text set: lower-cased only, attributes untouched',
    body: 'ERROR here',
    attributes: [
      ['b', '2'],
      ['a', '1'],
    ],
    severity: ['WARN', 0],
    expect: { attributes: null, severity: ['warn', 0] },
  },
];

for (const c of cases) {
  test(`rules: ${c.name}`, () => {
    const [severityText, severityNumber] = c.severity ?? ['', 0];
    const result = applyLogRules({
      body: c.body,
      attributes: c.attributes ?? [],
      severityText,
      severityNumber,
    });
    const attributes = c.expect.attributes;
    assert.deepEqual(result.attributes, attributes);
    assert.deepEqual([result.severityText, result.severityNumber], c.expect.severity);
  });
}

test('fast path: when logNeedsRules is false the rules change nothing', () => {
  const plain: [Raw, [string, Raw][], string, number][] = [
    [
      'GET /health 200',
      [
        ['b', 1n],
        ['a', 'x'],
      ],
      'info',
      9,
    ],
    ['no braces', [], 'warn', 0],
    [null, [['k', true]], 'error', 17],
    ['{ only an opening brace', [], 'debug', 5],
  ];
  for (const [body, attributes, text, number] of plain) {
    assert.equal(logNeedsRules(body, attributes, text, number), false);
    const result = applyLogRules({ body, attributes, severityText: text, severityNumber: number });
    assert.deepEqual(result, { attributes: null, severityText: text, severityNumber: number });
  }
  assert.equal(logNeedsRules('x', [], '', 0), true, 'unset severity needs inference');
  assert.equal(logNeedsRules('x', [], 'Info', 9), true, 'upper case needs lowering');
  assert.equal(logNeedsRules('{"a":1}', [], 'info', 9), true, 'JSON-looking body');
  assert.equal(logNeedsRules('x', [['m', []]], 'info', 9), true, 'nested attribute');
  // The unchanged marker means exactly "as the plain exporter sorts them".
  assert.deepEqual(
    sortAttributes([
      ['b', 1n],
      ['a', 'x'],
    ]),
    [
      ['a', 'x'],
      ['b', '1'],
    ],
  );
});

test('the rule version is pinned and only applies to clickstack processing', () => {
  assert.equal(LOG_RULES_VERSION, 'clickstack-2.36/2');
  assert.equal(logRulesVersion('clickstack'), LOG_RULES_VERSION);
  assert.equal(logRulesVersion('none'), 'none');
});
