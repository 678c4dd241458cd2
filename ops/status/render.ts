/**
 * The text of one status snapshot, for people: per signal its topic, each writer group's lag per
 * partition (with the trend since the previous snapshot when refreshing), rows per table, receiver
 * answers and inserts (each with its rate per second when the snapshot has rates), dead letters and
 * which components answer.
 */
import type { StatusSnapshot } from './collect.js';

const num = (n: number): string => n.toLocaleString('en-US');

function trend(now: number, before: number | undefined): string {
  if (before === undefined) return '';
  if (now > before) return ` ↑${num(now - before)}`;
  if (now < before) return ` ↓${num(before - now)}`;
  return ' →';
}

export function renderStatus(snapshot: StatusSnapshot, previous?: StatusSnapshot): string {
  const rates = snapshot.rates;
  const lines: string[] = [`tributary status at ${snapshot.at}`, ''];
  lines.push('topics');
  for (const t of snapshot.topics)
    lines.push(
      `  ${t.signal.padEnd(8)} ${t.topic.padEnd(32)} end ${num(t.endOffset).padStart(12)}  held ${num(t.records).padStart(12)}  ${t.partitions.length} partitions`,
    );
  lines.push('', 'writer groups (position from the done state; lag = end offset − position)');
  if (snapshot.groups.length === 0) lines.push('  (nothing written yet)');
  for (const g of snapshot.groups) {
    const before = previous?.groups.find((p) => p.group === g.group);
    lines.push(`  ${g.group}  lag ${num(g.lag)}${trend(g.lag, before?.lag)}`);
    for (const p of g.partitions) {
      const prior = before?.partitions.find((q) => q.topic === p.topic && q.partition === p.partition);
      lines.push(
        `    ${`${p.topic}:${p.partition}`.padEnd(36)} position ${num(p.position).padStart(12)}  lag ${(p.lag < 0 ? '?' : num(p.lag)).padStart(10)}${trend(p.lag, prior?.lag)}  last done ${p.lastDoneAt}`,
      );
    }
  }
  lines.push('', 'tables');
  for (const t of snapshot.tables) {
    const perSecond = rates?.rowsPerSecond[t.table];
    const rate = perSecond === undefined ? '' : `  ${num(perSecond)} rows/s`;
    lines.push(`  ${t.table.padEnd(36)} ${num(t.rows).padStart(14)} rows${rate}`);
  }
  const m = snapshot.metrics;
  const answers = (['200', '429', '503', '4xx'] as const)
    .map((a) => `${a} ${num(m.requests[a])}${rates ? ` (${num(rates.receiverAnswersPerSecond[a])}/s)` : ''}`)
    .join('  ');
  lines.push('', `receiver answers since start (per second now): ${answers}`);
  if (m.inserts.length > 0) {
    lines.push('inserts since start (per second now)');
    const pm = previous?.metrics;
    for (const i of m.inserts) {
      // The mean time is of the inserts since the last frame when refreshing, else since start.
      const prior = pm?.inserts.find((p) => p.table === i.table);
      const count = i.count - (prior?.count ?? 0);
      const time = i.seconds - (prior?.seconds ?? 0);
      const rate = rates?.insertsPerSecond[i.table];
      lines.push(
        `  ${i.table.padEnd(36)} ${num(i.count).padStart(10)} inserts${rate === undefined ? '' : ` (${num(rate)}/s)`}  mean ${count > 0 ? `${Math.round((time / count) * 1000)} ms` : '-'}`,
      );
    }
  }
  lines.push('', 'dead letters');
  for (const d of snapshot.dlq) lines.push(`  ${d.topic.padEnd(36)} ${num(d.records).padStart(10)}`);
  lines.push('', 'components');
  for (const c of snapshot.components)
    lines.push(
      `  ${c.url.padEnd(28)} ${c.answering ? (c.ready ? 'ready    ' : 'NOT READY') : 'DOWN     '} ${c.reason}`,
    );
  if (snapshot.problems.length > 0) {
    lines.push('', 'could not read');
    for (const p of snapshot.problems) lines.push(`  ${p}`);
  }
  return lines.join('\n');
}
