import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findRedisServer } from './redis-server';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'raftlab-bench-path-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('findRedisServer', () => {
  it('finds nothing when no folder on the path has redis-server, so the bench reports our figures alone', () => {
    expect(findRedisServer([tempDir(), tempDir()].join(delimiter))).toBeNull();
  });

  it('takes the first executable redis-server on the path and skips one that cannot run', () => {
    const notExecutable = tempDir();
    writeFileSync(join(notExecutable, 'redis-server'), '');
    chmodSync(join(notExecutable, 'redis-server'), 0o644);
    const real = tempDir();
    writeFileSync(join(real, 'redis-server'), '#!/bin/sh\n');
    chmodSync(join(real, 'redis-server'), 0o755);
    expect(findRedisServer(['', notExecutable, real].join(delimiter))).toBe(join(real, 'redis-server'));
  });
});
