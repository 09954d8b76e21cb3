import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePartitions } from '../../shared/config';
import {
  BOOTSTRAP_RECORD_FILE,
  BootstrapMismatchError,
  bootstrapRecordOf,
  checkBootstrap,
  loadBootstrapRecord,
  saveBootstrapRecord,
} from './bootstrap-record';

const A = "[['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003']]";
const B = "[['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5004']]";

const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'raftlab-bootstrap-'));
  folders.push(dir);
  return dir;
}

describe("a node folder's bootstrap record", () => {
  it('accepts anything in a folder without a record, and the same string written another way after', () => {
    const dir = folder();
    expect(() => checkBootstrap(dir, bootstrapRecordOf(parsePartitions(B), 640))).not.toThrow();
    saveBootstrapRecord(dir, bootstrapRecordOf(parsePartitions(A), 640));
    const sameAgain = '[["127.0.0.1:5001","127.0.0.1:5002","127.0.0.1:5003"]]';
    expect(() => checkBootstrap(dir, bootstrapRecordOf(parsePartitions(sameAgain), 640))).not.toThrow();
    expect(loadBootstrapRecord(dir)?.ringTokensPerGroup).toBe(640);
  });

  it('refuses another partitions string, naming both and the folder', () => {
    const dir = folder();
    saveBootstrapRecord(dir, bootstrapRecordOf(parsePartitions(A), 640));
    const check = () => checkBootstrap(dir, bootstrapRecordOf(parsePartitions(B), 640));
    expect(check).toThrow(BootstrapMismatchError);
    expect(check).toThrow(/127\.0\.0\.1:5004[\s\S]*contradict[\s\S]*127\.0\.0\.1:5003/);
    expect(check).toThrow(dir);
  });

  it('refuses another ring token count', () => {
    const dir = folder();
    saveBootstrapRecord(dir, bootstrapRecordOf(parsePartitions(A), 16));
    expect(() => checkBootstrap(dir, bootstrapRecordOf(parsePartitions(A), 640))).toThrow(
      /--ring-tokens 640 contradicts[\s\S]*16 tokens per group/,
    );
  });

  it('names a damaged record instead of guessing', () => {
    const dir = folder();
    writeFileSync(join(dir, BOOTSTRAP_RECORD_FILE), '{"partitions": "[[', 'utf8');
    expect(() => loadBootstrapRecord(dir)).toThrow(/bootstrap\.json is damaged/);
  });
});
