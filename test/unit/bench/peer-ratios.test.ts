/** Our receiver against each peer and the best peer of each case, per round and of the medians. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BEST_PEER, peerRatios } from '../../../bench/lib/peer-ratios.js';

const figures: Record<string, number[]> = {
  tributary: [300, 400, 500],
  collector: [200, 100, 200],
  rotel: [100, 250, 150],
};
const systems = [
  { name: 'tributary', peer: false },
  { name: 'collector', peer: true },
  { name: 'rotel', peer: true },
];

test('ratios to each peer are of the medians, with the per-round ratios beside', () => {
  const ratios = peerRatios('http-logs', systems, (s) => figures[s]!);
  const collector = ratios.find((r) => r.against === 'collector')!;
  assert.equal(collector.ratio, 400 / 200);
  assert.deepEqual(collector.perRound, [1.5, 4, 2.5]);
});

test('the best peer is the better peer of each round, and of the medians for the headline', () => {
  const best = peerRatios('http-logs', systems, (s) => figures[s]!).find((r) => r.against === BEST_PEER)!;
  // Medians: collector 200, rotel 150 -> the best median is 200.
  assert.equal(best.ratio, 400 / 200);
  // Per round the better of the two: 200, 250, 200.
  assert.deepEqual(best.perRound, [300 / 200, 400 / 250, 500 / 200]);
});

test('with one peer the best peer is that peer', () => {
  const ratios = peerRatios('x', systems.slice(0, 2), (s) => figures[s]!);
  assert.deepEqual(
    ratios.find((r) => r.against === BEST_PEER)!.perRound,
    ratios.find((r) => r.against === 'collector')!.perRound,
  );
});
