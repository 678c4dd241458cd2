/** Trace and metric requests for the differential test (see parity-cases.ts). */
import { BESIDE_TYPELESS } from './parity-known.js';
import { type Json, SPAN, TRACE, attrs, b, d, i, kv, oddAttributes, s } from './parity-values.js';

export function traces(baseNs: bigint): Json {
  const span = (k: number, extra: Json): Json => ({
    traceId: TRACE,
    spanId: `00000000000000${(k + 1).toString(16).padStart(2, '0')}`,
    name: `span ${k}`,
    kind: k % 6,
    startTimeUnixNano: String(baseNs + BigInt(k) * 1_000_000n),
    endTimeUnixNano: String(baseNs + BigInt(k) * 1_000_000n + 1_500_000n),
    ...extra,
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': s('parity-traces'), 'rum.sessionId': s('sess-1') }) },
        scopeSpans: [
          {
            scope: { name: 'tracer', version: '2.0' },
            spans: [
              span(0, { parentSpanId: '', status: { code: 1 }, attributes: attrs({ SampleRate: s('10') }) }),
              span(1, {
                parentSpanId: '0000000000000001',
                traceState: 'vendor=a,other=b',
                status: { code: 2, message: 'boom — ✗' },
                attributes: attrs(oddAttributes()),
                events: [
                  {
                    timeUnixNano: String(baseNs + 1_100_000n),
                    name: 'exception',
                    attributes: attrs({ 'exception.message': s('x\ny') }),
                  },
                  { timeUnixNano: String(baseNs + 1_200_000n), name: '' },
                ],
                links: [
                  {
                    traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
                    spanId: 'bbbbbbbbbbbbbbbb',
                    traceState: 'k=v',
                    attributes: attrs({ n: i(1), m: kv({ a: d(0.25) }) }),
                  },
                  { traceId: '', spanId: '' },
                ],
              }),
              span(2, { name: 'ünïcödé 🚀 span', flags: 257 }),
              span(3, { traceId: '', spanId: '', name: 'no ids' }),
              span(4, { endTimeUnixNano: String(baseNs), name: 'ends before it starts' }),
              span(5, { name: '' }),
            ],
          },
        ],
      },
      { resource: {}, scopeSpans: [{ scope: {}, spans: [span(6, { name: 'bare' })] }] },
    ],
  };
}

export function metrics(baseNs: bigint): Json {
  const t = (k: number): string => String(baseNs + BigInt(k) * 1_000_000_000n);
  const exemplars = [
    {
      timeUnixNano: t(1),
      asDouble: 1.25,
      traceId: TRACE,
      spanId: SPAN,
      filteredAttributes: attrs({ f: s('1') }),
    },
    { timeUnixNano: t(2), asInt: '7', traceId: '', spanId: '' },
  ];
  const point = (k: number, value: Json, extra: Json = {}): Json => ({
    startTimeUnixNano: t(0),
    timeUnixNano: t(k),
    attributes: attrs({ k: i(k), host: s(`h-${k % 2}`) }),
    ...value,
    ...extra,
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': s('parity-metrics'), z: s('1'), a: s('2') }) },
        scopeMetrics: [
          {
            scope: {
              name: 'meter',
              version: '3',
              attributes: attrs({ sa: b(true) }),
              droppedAttributesCount: 1,
            },
            schemaUrl: 'https://scope',
            metrics: [
              {
                name: 'g',
                description: 'a gauge',
                unit: 'Cel',
                gauge: {
                  dataPoints: [
                    point(1, { asDouble: 21.5 }, { exemplars }),
                    point(2, { asInt: '-3' }),
                    point(3, { asDouble: 'NaN' }),
                    point(4, { asDouble: 'Infinity' }, { flags: 1 }),
                    point(5, { asDouble: '-Infinity' }, { attributes: attrs(oddAttributes()) }),
                    point(6, {}),
                  ],
                },
              },
              {
                name: 's',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [point(1, { asInt: '10' }, { exemplars }), point(2, { asDouble: 0.5 })],
                },
              },
              {
                name: 's.cum',
                sum: { aggregationTemporality: 2, dataPoints: [point(1, { asDouble: -1 })] },
              },
              {
                name: 'h',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    point(
                      1,
                      {
                        count: '6',
                        sum: 12.5,
                        bucketCounts: ['1', '2', '3'],
                        explicitBounds: [1, 5],
                        min: 0.5,
                        max: 9,
                      },
                      { exemplars },
                    ),
                    point(2, { count: '0', bucketCounts: [], explicitBounds: [] }),
                    point(3, { count: '1', sum: 'NaN', bucketCounts: ['1'], explicitBounds: [] }),
                  ],
                },
              },
              {
                name: 'eh',
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    point(
                      1,
                      {
                        count: '9',
                        sum: 3.5,
                        scale: -2,
                        zeroCount: '1',
                        zeroThreshold: 0.001,
                        positive: { offset: -3, bucketCounts: ['1', '0', '4'] },
                        negative: { offset: 2, bucketCounts: ['3'] },
                        min: -8,
                        max: 16,
                      },
                      { exemplars },
                    ),
                    point(2, { count: '0', scale: 0 }),
                  ],
                },
              },
              {
                name: 'sm',
                summary: {
                  dataPoints: [
                    point(1, {
                      count: '4',
                      sum: 10,
                      quantileValues: [
                        { quantile: 0, value: 1 },
                        { quantile: 0.5, value: 2.5 },
                        { quantile: 1, value: 'Infinity' },
                      ],
                    }),
                    point(2, { count: '0', sum: 0, quantileValues: [] }),
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Second requests: duplicate keys, odd kinds and codes, huge ints, empty metrics. */
export function moreSignals(baseNs: bigint): { traces: Json; metrics: Json } {
  const dup = [
    { key: 'dup', value: s('first') },
    { key: 'dup', value: s('second') },
  ];
  const t = (k: number): string => String(baseNs + 900_000_000n + BigInt(k) * 1_000_000n);
  const spans = [
    { kind: 9, status: { code: 0, message: 'message without a code' } },
    { kind: 3, status: { code: 7 } },
    { kind: 1, attributes: dup, droppedAttributesCount: 4, droppedEventsCount: 1, droppedLinksCount: 2 },
    { kind: 2, startTimeUnixNano: '0', endTimeUnixNano: '0' },
    { kind: 4, traceState: 'ünï=1', links: [{ traceId: TRACE, spanId: SPAN, flags: 769, attributes: dup }] },
    { kind: 5, events: [{ timeUnixNano: '0', name: 'zero time', attributes: dup }] },
  ].map((extra, k) => ({
    traceId: 'ffffffffffffffffffffffffffffffff',
    spanId: `ff000000000000${k.toString(16).padStart(2, '0')}`,
    parentSpanId: '0000000000000000',
    name: `more ${k}`,
    startTimeUnixNano: t(k),
    endTimeUnixNano: t(k + 1),
    ...extra,
  }));
  const point = (k: number, extra: Json): Json => ({ timeUnixNano: t(k), attributes: dup, ...extra });
  return {
    traces: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: b(true) }, ...dup] },
          scopeSpans: [{ scope: { name: 'more', attributes: dup }, spans }],
        },
      ],
    },
    metrics: {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: d(1.5) }, ...dup] },
          scopeMetrics: [
            {
              scope: { name: 'more' },
              metrics: [
                { name: 'no points', gauge: { dataPoints: [] } },
                {
                  name: 'huge ints',
                  gauge: {
                    dataPoints: [
                      point(1, { asInt: '9223372036854775807' }),
                      point(2, { asInt: '-9223372036854775808' }),
                      point(3, { asDouble: 5e-324, startTimeUnixNano: t(9) }),
                    ],
                  },
                },
                {
                  name: 'sum no temporality',
                  sum: {
                    dataPoints: [
                      point(1, { asDouble: 1, exemplars: [{ asDouble: 2, filteredAttributes: dup }] }),
                    ],
                  },
                },
                {
                  name: 'hist mismatched',
                  histogram: {
                    dataPoints: [point(1, { count: '3', bucketCounts: ['1', '1', '1'], explicitBounds: [] })],
                  },
                },
                { name: 'exp empty', exponentialHistogram: { dataPoints: [point(1, { zeroCount: '2' })] } },
                {
                  name: 'summary nan',
                  summary: {
                    dataPoints: [
                      point(1, { sum: 'NaN', quantileValues: [{ quantile: 'NaN', value: '-Infinity' }] }),
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

/** A metric with no data type beside a valid gauge: the Collector refuses the whole request. */
export function typelessMetric(baseNs: bigint): Json {
  const point = { timeUnixNano: String(baseNs + 950_000_000n), asDouble: 1 };
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': s('parity-typeless') }) },
        scopeMetrics: [
          { metrics: [{ name: 'no data' }, { name: BESIDE_TYPELESS, gauge: { dataPoints: [point] } }] },
        ],
      },
    ],
  };
}
