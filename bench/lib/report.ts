/** Bench results: the targets (pass/fail), a markdown table, and the comparison with a baseline. */

export interface Target {
  readonly name: string;
  readonly measured: number;
  readonly limit: number;
  /** `min`: measured must be ≥ limit; `max`: ≤ limit. */
  readonly kind: 'min' | 'max';
  readonly unit: string;
  /** Why it can't be judged (e.g. the collector was not built); then it neither passes nor fails. */
  readonly skipped?: string;
}

export function passes(target: Target): boolean | undefined {
  if (target.skipped) return undefined;
  return target.kind === 'min' ? target.measured >= target.limit : target.measured <= target.limit;
}

const fmt = (n: number): string =>
  Number.isNaN(n) ? 'n/a' : Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);

export function targetsMarkdown(targets: readonly Target[]): string {
  const lines = ['| target | measured | limit | result |', '|---|---|---|---|'];
  for (const t of targets) {
    const ok = passes(t);
    lines.push(
      `| ${t.name} | ${fmt(t.measured)} ${t.unit} | ${t.kind === 'min' ? '≥' : '≤'} ${fmt(t.limit)} ${t.unit} | ${
        ok === undefined ? `skipped (${t.skipped})` : ok ? 'PASS' : 'FAIL'
      } |`,
    );
  }
  return lines.join('\n');
}

export function tableMarkdown(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => (typeof c === 'number' ? fmt(c) : c)).join(' | ')} |`),
  ].join('\n');
}

/** Figures compared with a baseline: name → value; higher is better unless the name says `lowerIsBetter`. */
export interface Headline {
  readonly name: string;
  readonly value: number;
  readonly higherIsBetter: boolean;
}

export function compareMarkdown(current: readonly Headline[], baseline: readonly Headline[]): string {
  const rows = current.map((h) => {
    const before = baseline.find((b) => b.name === h.name);
    if (!before || before.value === 0) return [h.name, h.value, 'n/a', 'n/a', ''];
    const ratio = h.value / before.value;
    const better = h.higherIsBetter ? ratio >= 1 : ratio <= 1;
    const change = Math.abs(ratio - 1) < 0.05 ? 'same (±5%)' : better ? 'better' : 'worse';
    return [h.name, h.value, before.value, `${ratio.toFixed(2)}×`, change];
  });
  return tableMarkdown(['figure', 'now', 'baseline', 'ratio', ''], rows);
}
