import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findJsonCandidate, parseJsonObject } from '../../../../writer/clickstack/json-body.js';

const candidates: [string, string, string | undefined][] = [
  ['whole body', '{"a":1}', '{"a":1}'],
  ['leading text', 'msg {"a":1}', '{"a":1}'],
  ['first { to last } on the line', 'a {x} b {y} c', '{x} b {y}'],
  ['only the first matching line', 'msg {"a":1}\nnext {x}', '{"a":1}'],
  ['pretty-printed JSON is not found', '{\n  "a": 1\n}', undefined],
  ['a later line when the first has no }', 'open { here\nthen {"b":2} done', '{"b":2}'],
  ['a } before the { does not count', '} {', undefined],
  ['\\r is part of the line', '{"a":\r1}', '{"a":\r1}'],
  ['no braces', 'plain text', undefined],
  ['empty', '', undefined],
];

for (const [name, body, expected] of candidates) {
  test(`A1 candidate: ${name}`, () => assert.equal(findJsonCandidate(body), expected));
}

test('A1 stays linear on a hostile body of many { and no }', () => {
  const body = '{'.repeat(200_000) + '\n' + '{\n'.repeat(100_000) + '}';
  const started = performance.now();
  assert.equal(findJsonCandidate(body), undefined);
  assert.ok(performance.now() - started < 1_000, 'well under a second');
});

const parses: [string, string, unknown][] = [
  [
    'numbers are doubles',
    '{"i":1,"f":1.5,"e":1e21}',
    [
      ['e', 1e21],
      ['f', 1.5],
      ['i', 1],
    ],
  ],
  ['null is the empty value', '{"n":null}', [['n', null]]],
  ['arrays and objects nest', '{"a":[1,{"b":true}]}', [['a', [1, { entries: [['b', true]] }]]]],
  ['duplicate keys: the last wins', '{"k":1,"k":2}', [['k', 2]]],
  [
    'keys sorted, document order ignored',
    '{"b":1,"2":2,"a":3}',
    [
      ['2', 2],
      ['a', 3],
      ['b', 1],
    ],
  ],
  ['__proto__ is an ordinary key', '{"__proto__":{"x":1}}', [['__proto__', { entries: [['x', 1]] }]]],
  ['not JSON', '{note}', undefined],
  ['two objects on one line', '{"a":1} and {"b":2}', undefined],
  ['a number out of float64 range fails the whole parse', '{"big":1e400,"a":1}', undefined],
  ['single quotes fail', "{Key {Value { '{' } }", undefined],
];

for (const [name, text, expected] of parses) {
  test(`A2 parse: ${name}`, () => assert.deepEqual(parseJsonObject(text), expected));
}
