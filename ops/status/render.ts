/**
 * The text of one status snapshot, for people: per signal its topic, each writer group's lag per
 * partition (with the trend since the previous snapshot when refreshing), rows per table (with rows
 * per second when refreshing), dead letters and which components answer.
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
  const seconds = previous ? (Date.parse(snapshot.at) - Date.parse(previous.at)) / 1000 : 0;
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
    const prior = previous?.tables.find((p) => p.table === t.table);
    const rate = prior && seconds > 0 ? `  ${num(Math.round((t.rows - prior.rows) / seconds))} rows/s` : '';
    lines.push(`  ${t.table.padEnd(36)} ${num(t.rows).padStart(14)} rows${rate}`);
  }
  const m = snapshot.metrics;
  const pm = previous?.metrics;
  const per = (now: number, before: number | undefined): string =>
    pm && seconds > 0 ? `${num(Math.round(((now - (before ?? 0)) / seconds) * 10) / 10)}/s` : num(now);
  lines.push(
    '',
    `receiver answers${pm ? '' : ' (since start)'}: 200 ${per(m.requests['200'], pm?.requests['200'])}  429 ${per(m.requests['429'], pm?.requests['429'])}  503 ${per(m.requests['503'], pm?.requests['503'])}  4xx ${per(m.requests['4xx'], pm?.requests['4xx'])}`,
  );
  if (m.inserts.length > 0) {
    lines.push(`inserts${pm ? '' : ' (since start)'}`);
    for (const i of m.inserts) {
      const prior = pm?.inserts.find((p) => p.table === i.table);
      const count = i.count - (prior?.count ?? 0);
      const time = i.seconds - (prior?.seconds ?? 0);
      lines.push(
        `  ${i.table.padEnd(36)} ${per(i.count, prior?.count).padStart(10)} inserts  mean ${count > 0 ? `${Math.round((time / count) * 1000)} ms` : '-'}`,
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
