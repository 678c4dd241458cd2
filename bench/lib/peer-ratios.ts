/**
 * Our receivers against the peers (the Collector, Rotel), case by case: each system's median items
 * per CPU-second over the rounds, and our ratio to each peer and to the best peer of the case. The
 * headline ratio is of the medians; the per-round ratios (same round, same machine state) show the
 * spread. The best peer of a round is the peer with the most items per CPU-second in that round.
 */
import { median } from './proc.js';

export interface RatioSystem {
  readonly name: string;
  readonly peer: boolean;
}

export interface PeerRatio {
  readonly system: string;
  readonly against: string;
  /** Ratio of the medians. */
  readonly ratio: number;
  readonly perRound: readonly number[];
}

/** Rounds' figures of one system in one case (same length and order for every system). */
export type Figures = (system: string, which: string) => readonly number[];

export const BEST_PEER = 'best peer';

export function peerRatios(which: string, systems: readonly RatioSystem[], figures: Figures): PeerRatio[] {
  const peers = systems.filter((s) => s.peer);
  if (peers.length === 0) return [];
  const rounds = figures(peers[0]!.name, which).length;
  const best = Array.from({ length: rounds }, (_, i) =>
    Math.max(...peers.map((p) => figures(p.name, which)[i]!)),
  );
  const bestMedian = Math.max(...peers.map((p) => median(figures(p.name, which))));
  const out: PeerRatio[] = [];
  for (const own of systems.filter((s) => !s.peer)) {
    const mine = figures(own.name, which);
    for (const peer of peers) {
      const theirs = figures(peer.name, which);
      out.push({
        system: own.name,
        against: peer.name,
        ratio: median(mine) / median(theirs),
        perRound: mine.map((x, i) => x / theirs[i]!),
      });
    }
    out.push({
      system: own.name,
      against: BEST_PEER,
      ratio: median(mine) / bestMedian,
      perRound: mine.map((x, i) => x / best[i]!),
    });
  }
  return out;
}

/** One line per case: every system's median, then our ratios to each peer and the best one. */
export function peerRatioLines(
  cases: readonly string[],
  systems: readonly RatioSystem[],
  figures: Figures,
): string[] {
  return cases.map((which) => {
    const cells = systems.map((s) => `${s.name} ${Math.round(median(figures(s.name, which)))}`);
    const single = systems.filter((s) => s.peer).length === 1;
    const ratios = peerRatios(which, systems, figures)
      .filter((r) => !(single && r.against === BEST_PEER))
      .map(
        (r) =>
          `${r.system} ÷ ${r.against} ${r.ratio.toFixed(2)}× (${r.perRound.map((x) => x.toFixed(2)).join(' ')})`,
      );
    return `${which.padEnd(13)} ${cells.join(' | ')}${ratios.length ? `  ||  ${ratios.join(', ')}` : ''}`;
  });
}
