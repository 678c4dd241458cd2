import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Raw, sortAttributes } from '../../../writer/decode/anyvalue.js';
import { attributesText, compareUtf8, flattenedKeys } from '../../../writer/json-columns.js';
import { insertColumn } from '../../../writer/schema.js';
import { ByteWriter } from '../../../writer/rowbinary.js';

const typed = (pairs: [string, Raw][]) => sortAttributes(pairs);

test('attribute maps as the exporter hands them to a JSON column: json.Marshal(map.AsRaw())', () => {
  const text = attributesText(
    typed([
      ['b', 2n],
      ['a', 'x<y'],
      ['d', 1.5],
      ['e', 3],
      ['f', true],
      ['g', new Uint8Array([1, 2])],
      ['h', [1n, 'two']],
      ['i', { entries: [['k', null]] }],
      ['j', null],
      ['a', 'later'],
      ['n', Number.NaN],
      ['p', Number.POSITIVE_INFINITY],
    ]),
  );
  // Keys sorted, the later of two equal keys kept (a Go map), a whole double without a point, bytes
  // in base64, the empty value null; NaN and ±Inf as the spec's strings (Go would refuse the batch).
  assert.equal(
    text,
    '{"a":"later","b":2,"d":1.5,"e":3,"f":true,"g":"AQI=","h":[1,"two"],"i":{"k":null},"j":null,"n":"NaN","p":"Infinity"}',
  );
  assert.equal(attributesText([]), '{}');
  assert.equal(attributesText([['k', 'v']]), '{"k":"v"}', 'pairs without typed values are strings');
});

test('UniqueFlattenedAttributes: maps walked with ".", arrays are leaves, each path once, sorted by bytes', () => {
  const keys = flattenedKeys(
    typed([
      ['z', 'x'],
      [
        'm',
        {
          entries: [
            ['b', 1n],
            ['a', { entries: [['c', true]] }],
            ['e', { entries: [] }],
          ],
        },
      ],
      ['arr', [{ entries: [['q', 1n]] }]],
      ['z', { entries: [['y', 1n]] }],
      ['', { entries: [['bare', 1n]] }],
      ['é', 'x'],
      ['f', 'x'],
    ]),
  );
  assert.deepEqual(keys, ['arr', 'bare', 'f', 'm.a.c', 'm.b', 'z', 'z.y', 'é']);
  assert.ok(compareUtf8('\uffff', '\u{10000}') < 0, 'code point (byte) order, not UTF-16 order');
});

test('a JSON column travels as String (Array(String)), its keys column from the attribute map', () => {
  const all = [
    { name: 'LogAttributes', type: 'JSON' },
    { name: 'LogAttributesKeys', type: 'Array(LowCardinality(String))' },
    { name: 'Events.Attributes', type: 'Array(JSON(max_dynamic_paths=16))' },
    { name: 'OtherKeys', type: 'Array(String)' },
  ];
  const json = insertColumn('LogAttributes', 'JSON', all);
  assert.equal(json.type, 'String');
  assert.equal(insertColumn('Events.Attributes', all[2]!.type, all).type, 'Array(String)');
  const keys = insertColumn('LogAttributesKeys', all[1]!.type, all);
  const out = new ByteWriter(64);
  keys.encode(
    out,
    typed([
      ['b', 'x'],
      ['a', 'y'],
    ]),
  );
  assert.deepEqual([...out.bytes()], [2, 1, 0x61, 1, 0x62]);
  // Without a JSON attribute column beside it, an *AttributesKeys column is a plain string array.
  const plain = insertColumn('LogAttributesKeys', 'Array(String)', [
    { name: 'LogAttributes', type: 'Map(String, String)' },
  ]);
  const out2 = new ByteWriter(64);
  plain.encode(out2, ['k']);
  assert.deepEqual([...out2.bytes()], [1, 1, 0x6b]);
});

test('a lone surrogate (from a JSON body the rules parsed) is U+FFFD in the JSON text, as in Go', () => {
  const text = attributesText(typed([['lone', '\ud800x']]));
  assert.equal(text, '{"lone":"\ufffdx"}');
  assert.doesNotThrow(() => JSON.parse(text));
});
