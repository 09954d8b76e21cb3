// Fails a test that lets a promise reject with nobody listening, or lets an exception escape a
// callback: either would end a real host process (Node's default for an unhandled rejection is to
// exit). Vitest reports these too, but only after the run and not against the test that caused them.
export interface UnhandledWatch {
  /** Everything that went unhandled since the watch began. */
  readonly failures: readonly unknown[];
  stop(): void;
}

export function watchUnhandled(): UnhandledWatch {
  const failures: unknown[] = [];
  const record = (reason: unknown): void => {
    failures.push(reason);
  };
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    failures,
    stop() {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}

/** One line per failure, for an assertion message that says what went unhandled and where. */
export function describeFailures(failures: readonly unknown[]): string {
  return failures
    .map((failure) =>
      failure instanceof Error ? `${failure.name}: ${failure.message}\n${failure.stack ?? ''}` : String(failure),
    )
    .join('\n---\n');
}
