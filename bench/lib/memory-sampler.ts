/**
 * A preload (`node --import <dist>/bench/lib/memory-sampler.js`) for memory investigations: every
 * MEMORY_SAMPLE_MS (default 20 ms) it appends the process's memory to MEMORY_SAMPLE_FILE as JSON
 * lines (ms since start, rss, heapTotal, heapUsed, external, arrayBuffers, in bytes), so a peak can be
 * split into V8 heap, buffers and the rest after the run. Does nothing without MEMORY_SAMPLE_FILE.
 */
import { appendFileSync } from 'node:fs';

const file = process.env['MEMORY_SAMPLE_FILE'];
if (file) {
  const every = Number(process.env['MEMORY_SAMPLE_MS'] ?? 20);
  const started = performance.now();
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length === 0) return;
    appendFileSync(file, lines.join('\n') + '\n');
    lines = [];
  };
  setInterval(() => {
    const m = process.memoryUsage();
    lines.push(
      JSON.stringify([
        Math.round(performance.now() - started),
        m.rss,
        m.heapTotal,
        m.heapUsed,
        m.external,
        m.arrayBuffers,
      ]),
    );
    if (lines.length >= 50) flush();
  }, every).unref();
  process.once('exit', flush);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.prependListener(signal, flush);
}
