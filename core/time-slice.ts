/**
 * Cooperative time slicing for long synchronous loops (decoding a fetch, encoding a batch): after
 * `budgetMs` of work the loop yields to the event loop, so health checks, heartbeats and HTTP requests
 * in the same process are never held up for longer than that.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export class TimeSlice {
  private started = performance.now();

  constructor(private readonly budgetMs = 10) {}

  /** Yields (one event-loop turn) when the current slice has used its budget. */
  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.started < this.budgetMs) return;
    await nextTurn();
    this.started = performance.now();
  }
}
