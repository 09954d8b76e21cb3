// What happened to each mutation, and the table that says so. Pure, so that it is unit-tested.

export type Outcome =
  /** A suite failed with the mutation applied: the tests noticed. */
  | { readonly kind: 'killed'; readonly suite: string; readonly detail: string; readonly listed: boolean }
  /** Every suite passed with the mutation applied. */
  | { readonly kind: 'survived'; readonly suitesRun: readonly string[] }
  /** The original text no longer names exactly one place. */
  | { readonly kind: 'stale'; readonly problem: string }
  /** A suite could not even run (a syntax error, a load failure): the mutation is not a behaviour change. */
  | { readonly kind: 'invalid'; readonly suite: string; readonly detail: string };

export interface MutationResult {
  readonly name: string;
  readonly outcome: Outcome;
  readonly seconds: number;
  readonly knownGap?: string;
}

/** Killed by a listed suite, or by another suite (which means the list should name it). */
export function isPass(outcome: Outcome): boolean {
  return outcome.kind === 'killed';
}

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'killed':
      return `killed by ${outcome.suite}${outcome.listed ? '' : ' (not listed)'}`;
    case 'survived':
      return 'SURVIVED';
    case 'stale':
      return 'STALE';
    case 'invalid':
      return `INVALID in ${outcome.suite}`;
  }
}

/** The table: mutation, result, seconds; then one note line per result that needs explaining. */
export function formatTable(results: readonly MutationResult[]): string {
  const header = ['mutation', 'result', 'time'] as const;
  const rows = results.map((r) => [
    r.name,
    describeOutcome(r.outcome),
    r.seconds > 0 ? `${r.seconds.toFixed(1)} s` : '-',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const notes = results.flatMap((r) => noteLines(r));
  if (notes.length > 0) out.push('', ...notes);
  const killed = results.filter((r) => isPass(r.outcome)).length;
  out.push('', `${killed} of ${results.length} killed`);
  return out.join('\n');
}

function noteLines(result: MutationResult): string[] {
  const { name, outcome } = result;
  const lines: string[] = [];
  switch (outcome.kind) {
    case 'killed':
      lines.push(`${name}: ${outcome.detail}`);
      break;
    case 'survived':
      lines.push(`${name}: passed ${outcome.suitesRun.join(', ')}`);
      break;
    case 'stale':
      lines.push(`${name}: ${outcome.problem}`);
      break;
    case 'invalid':
      lines.push(`${name}: ${outcome.detail}`);
      break;
  }
  if (outcome.kind !== 'killed' && result.knownGap !== undefined)
    lines.push(`${' '.repeat(name.length)}  known gap: ${result.knownGap}`);
  return lines;
}
