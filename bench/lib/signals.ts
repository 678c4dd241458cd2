/** Ctrl-C or SIGTERM during a long benchmark: run its clean-up (stop children, the stack) before exiting. */
export function cleanUpOnSignals(cleanUp: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      void cleanUp().finally(() => process.exit(130));
    });
}
