// SIGINT and SIGTERM stop cleanly (CONTRACTS.md §2): close the ports, flush, exit 0. A second
// signal a while later exits at once, for the impatient. Repeats within a second are the same
// Ctrl+C reaching us twice (from the terminal and relayed by a parent such as npm), not impatience.
const REPEAT_WINDOW_MS = 1000;

export function stopOnSignals(stop: () => Promise<void>, log: (line: string) => void): void {
  let stoppingSince: number | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== null) {
      if (performance.now() - stoppingSince < REPEAT_WINDOW_MS) return;
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = performance.now();
    log(`${signal}: stopping`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
