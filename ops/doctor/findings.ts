/** What `tributary doctor` reports: one finding per thing checked that needs attention (or is noted). */
export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  readonly severity: Severity;
  /** What was checked: `topic otlp_logs`, `table default.otel_logs`, `clickhouse`. */
  readonly subject: string;
  /** What is wrong (or, for info, what was found). */
  readonly what: string;
  /** How to fix it: a command or a setting. */
  readonly fix?: string;
}

const MARK: Record<Severity, string> = { error: 'ERROR', warning: 'WARN ', info: 'info ' };

/** One line per finding, errors first; the fix indented below. */
export function formatFindings(findings: readonly Finding[]): string {
  const order: Severity[] = ['error', 'warning', 'info'];
  const sorted = [...findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
  const lines = sorted.flatMap((f) => [
    `${MARK[f.severity]} ${f.subject}: ${f.what}`,
    ...(f.fix ? [`       fix: ${f.fix}`] : []),
  ]);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  lines.push(
    errors + warnings === 0
      ? 'doctor: no problems found'
      : `doctor: ${errors} error(s), ${warnings} warning(s)`,
  );
  return lines.join('\n');
}
