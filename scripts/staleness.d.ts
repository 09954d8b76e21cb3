// Types of scripts/staleness.js for the TypeScript that imports it (its unit test).
export interface FileTime {
  readonly path: string;
  readonly mtimeMs: number;
}
export interface BuildFiles {
  readonly outputs: readonly { readonly path: string; readonly mtimeMs: number | null }[];
  readonly sources: readonly FileTime[];
}
export const BUILD_OUTPUTS: readonly string[];
export const BUILD_CONFIG: readonly string[];
export function rebuildReason(files: BuildFiles): string | null;
export function buildFiles(root: string): BuildFiles;
