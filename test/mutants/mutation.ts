// A mutation is data: one exact piece of source text and what to put in its place. The original
// must occur exactly once in its file, so a refactor that moves or rewrites the code makes the
// mutation STALE (a failure of the run) instead of silently mutating nothing or the wrong place.

export interface Mutation {
  /** Short kebab-case name; `--only NAME` selects it. */
  readonly name: string;
  /** The rule the change breaks and what goes wrong for a user when it is broken. */
  readonly breaks: string;
  /** Path from the repository root. */
  readonly file: string;
  /** Exact source text, whitespace included; must occur exactly once in `file`. */
  readonly original: string;
  readonly replacement: string;
  /**
   * The suites expected to kill it, fastest first: a vitest test file path, or `sim:N` for the
   * simulator CLI over seeds 1..N. The run stops at the first that fails.
   */
  readonly killedBy: readonly string[];
  /**
   * In the `--quick` subset that CI runs. Every mutation is today: the whole quick run costs about
   * 80 s of CPU. Set it false for a mutation that only a slow suite (thousands of seeds) kills.
   */
  readonly quick: boolean;
  /**
   * Why this mutation is expected to SURVIVE today and which work closes the gap. It is reported
   * beside the result and never skips the mutation: a survivor still fails the run.
   */
  readonly knownGap?: string;
}

/** Where the scratch copy gets its files; a mutated file must lie under one of these. */
export const COPIED_DIRS = ['src', 'test'] as const;
export const COPIED_FILES = ['package.json', 'tsconfig.json', 'vitest.config.ts'] as const;

export type Applied = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string };

export function countOccurrences(text: string, needle: string): number {
  if (needle.length === 0) return 0;
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

/**
 * Applies `mutation` to `source` (the current text of its file, or null when the file is gone).
 * Anything but exactly one occurrence is a stale mutation, with a message that says what to fix.
 */
export function applyMutation(source: string | null, mutation: Mutation): Applied {
  if (source === null) {
    return { ok: false, problem: `stale: ${mutation.file} no longer exists; retarget the mutation` };
  }
  const count = countOccurrences(source, mutation.original);
  if (count === 0) {
    return {
      ok: false,
      problem: `stale: its original text no longer occurs in ${mutation.file}; the code changed, so retarget the mutation`,
    };
  }
  if (count > 1) {
    return {
      ok: false,
      problem: `ambiguous: its original text occurs ${count} times in ${mutation.file}; quote more of the line so it names one place`,
    };
  }
  const at = source.indexOf(mutation.original);
  return { ok: true, text: source.slice(0, at) + mutation.replacement + source.slice(at + mutation.original.length) };
}

/** Problems with the list itself (not with the source): each is a line for the user. */
export function checkMutationList(mutations: readonly Mutation[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of mutations) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(m.name)) problems.push(`${m.name}: a name is kebab-case`);
    if (seen.has(m.name)) problems.push(`${m.name}: the name is used twice`);
    seen.add(m.name);
    if (m.original === m.replacement) problems.push(`${m.name}: the replacement equals the original`);
    if (m.original.length === 0) problems.push(`${m.name}: the original text is empty`);
    if (!COPIED_DIRS.some((dir) => m.file.startsWith(`${dir}/`))) {
      problems.push(`${m.name}: ${m.file} is outside the copied folders (${COPIED_DIRS.join(', ')})`);
    }
    if (m.killedBy.length === 0) problems.push(`${m.name}: names no suite that should kill it`);
    for (const suite of m.killedBy) {
      if (!isSuite(suite)) problems.push(`${m.name}: '${suite}' is neither a *.test.ts path nor sim:N`);
    }
  }
  return problems;
}

/** The simulator CLI over seeds 1..N, written `sim:N`. */
export function simSeeds(suite: string): number | null {
  const match = /^sim:([1-9][0-9]*)$/.exec(suite);
  return match === null ? null : Number(match[1]);
}

export function isSuite(suite: string): boolean {
  return simSeeds(suite) !== null || /^(src|test)\/[\w./-]+\.test\.ts$/.test(suite);
}
