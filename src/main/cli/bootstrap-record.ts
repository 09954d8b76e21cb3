// What a `raftlab node` keeps in its data folder about how its cluster began (`bootstrap.json`): the
// bootstrap partitions string and the ring's tokens per group. The bootstrap string is only the
// first configuration (CONTRACTS.md §2): the live one grows from it in the folder's log, so a restart
// must name the same beginning. A different string would give the node another cluster id (its
// peers would refuse it) and another idea of its group; it is refused here instead, naming both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPartitions, type Partitions, parsePartitions } from '../../shared/config';
import { writeDurableFile } from '../storage/durable-file';

export const BOOTSTRAP_RECORD_FILE = 'bootstrap.json';

export interface BootstrapRecord {
  readonly partitions: string;
  readonly ringTokensPerGroup: number;
}

/** The command line's bootstrap contradicts the data folder's (exit 2: a usage mistake). */
export class BootstrapMismatchError extends Error {
  override readonly name = 'BootstrapMismatchError';
}

/** The record in `dir`, or null when there is none (a new folder, or one from before records). */
export function loadBootstrapRecord(dir: string): BootstrapRecord | null {
  const path = join(dir, BOOTSTRAP_RECORD_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new BootstrapMismatchError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const record = JSON.parse(text) as BootstrapRecord;
    parsePartitions(String(record.partitions));
    if (!Number.isInteger(record.ringTokensPerGroup) || record.ringTokensPerGroup < 1) {
      throw new Error('its ring token count is not valid');
    }
    return record;
  } catch (error) {
    throw new BootstrapMismatchError(`${path} is damaged (${(error as Error).message})`);
  }
}

/**
 * Throws BootstrapMismatchError, naming both, when `given` is not how the folder's cluster began.
 * Returns whether the folder has a record at all (false: the caller records `given` once it holds
 * the folder).
 */
export function checkBootstrap(dir: string, given: BootstrapRecord): boolean {
  const recorded = loadBootstrapRecord(dir);
  if (recorded === null) return false;
  const same = (a: string) => formatPartitions(parsePartitions(a));
  if (same(recorded.partitions) !== same(given.partitions)) {
    throw new BootstrapMismatchError(
      `the partitions ${given.partitions} contradict this node's data folder ${dir}, whose cluster began as ` +
        `${recorded.partitions} (the live membership grew from that, in its log). Start it with that string, ` +
        'or use another --data-dir for a new cluster',
    );
  }
  if (recorded.ringTokensPerGroup !== given.ringTokensPerGroup) {
    throw new BootstrapMismatchError(
      `--ring-tokens ${given.ringTokensPerGroup} contradicts this node's data folder ${dir}, whose ring has ` +
        `${recorded.ringTokensPerGroup} tokens per group (its keys are placed by that ring)`,
    );
  }
  return true;
}

/** Written once, whole or not at all (storage/durable-file.ts). */
export function saveBootstrapRecord(dir: string, record: BootstrapRecord): void {
  writeDurableFile(dir, BOOTSTRAP_RECORD_FILE, `${JSON.stringify(record)}\n`);
}

export function bootstrapRecordOf(partitions: Partitions, ringTokensPerGroup: number): BootstrapRecord {
  return { partitions: formatPartitions(partitions), ringTokensPerGroup };
}
