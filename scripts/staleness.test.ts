import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_OUTPUTS, buildFiles, rebuildReason } from './staleness.js';

const built = (mtimeMs: number) => BUILD_OUTPUTS.map((path) => ({ path, mtimeMs }));

describe('rebuildReason', () => {
  it('is null when every source is older than every output', () => {
    expect(rebuildReason({ outputs: built(2000), sources: [{ path: 'src/main/cli.ts', mtimeMs: 1000 }] })).toBeNull();
  });

  it('is null for a source written in the same millisecond as the build', () => {
    expect(rebuildReason({ outputs: built(2000), sources: [{ path: 'package.json', mtimeMs: 2000 }] })).toBeNull();
  });

  it('names a missing output', () => {
    const outputs = [
      { path: 'out/main/index.js', mtimeMs: 2000 },
      { path: 'out/cli/cli.js', mtimeMs: null },
    ];
    expect(rebuildReason({ outputs, sources: [] })).toBe('out/cli/cli.js is missing');
  });

  it('names the newest source and the output it is newer than', () => {
    const sources = [
      { path: 'src/shared/config.ts', mtimeMs: 2500 },
      { path: 'src/main/cli.ts', mtimeMs: 3000 },
      { path: 'tsconfig.json', mtimeMs: 100 },
    ];
    expect(rebuildReason({ outputs: built(2000), sources })).toBe(
      `src/main/cli.ts changed after ${BUILD_OUTPUTS[0]} was built`,
    );
  });

  it('compares with the oldest output, so a build cut short is rebuilt', () => {
    const outputs = [
      { path: 'out/main/index.js', mtimeMs: 1000 },
      { path: 'out/cli/cli.js', mtimeMs: 5000 },
    ];
    expect(rebuildReason({ outputs, sources: [{ path: 'src/main/index.ts', mtimeMs: 3000 }] })).toBe(
      'src/main/index.ts changed after out/main/index.js was built',
    );
  });

  it('asks for a build when there is nothing to compare with', () => {
    expect(rebuildReason({ outputs: [], sources: [] })).not.toBeNull();
  });
});

describe('buildFiles', () => {
  let root: string | null = null;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = null;
  });

  function file(path: string, seconds: number): void {
    const full = join(root!, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, '');
    utimesSync(full, seconds, seconds);
  }

  it('reads the times of sources, config files and outputs, leaving test files out', () => {
    root = mkdtempSync(join(tmpdir(), 'raftlab-staleness-'));
    for (const output of BUILD_OUTPUTS) file(output, 2000);
    file('src/main/cli.ts', 1000);
    file('src/main/cli.test.ts', 9000);
    file('package.json', 1500);
    utimesSync(join(root, 'src', 'main'), 1000, 1000);
    utimesSync(join(root, 'src'), 1000, 1000);

    const files = buildFiles(root);
    expect(files.outputs.map((output) => output.mtimeMs)).toEqual(BUILD_OUTPUTS.map(() => 2_000_000));
    expect(files.sources.map((source) => source.path).sort()).toEqual(['package.json', 'src/main', 'src/main/cli.ts']);
    expect(rebuildReason(files)).toBeNull();

    file('package.json', 3000);
    expect(rebuildReason(buildFiles(root))).toBe(`package.json changed after ${BUILD_OUTPUTS[0]} was built`);
  });

  it('reports an output that was never built as missing', () => {
    root = mkdtempSync(join(tmpdir(), 'raftlab-staleness-'));
    file('src/main/cli.ts', 1000);
    expect(rebuildReason(buildFiles(root))).toBe(`${BUILD_OUTPUTS[0]} is missing`);
  });
});
