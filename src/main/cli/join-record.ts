// What a node that joined a running cluster keeps in its data folder (`join.json`), so that its
// restart needs no --join: the cluster's bootstrap partitions string (its cluster id and ring come
// from it), the group it joined, and that group's members as it was told them when it joined (whom
// it talks to until its own log says who the members are).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Partitions, parsePartitions } from '../../shared/config';
import type { NodeId } from '../../shared/raft/types';
import { writeDurableFile } from '../storage/durable-file';

export const JOIN_RECORD_FILE = 'join.json';

export interface JoinRecord {
  readonly partitions: string;
  readonly group: number;
  readonly members: readonly NodeId[];
}

export class JoinRecordError extends Error {
  override readonly name = 'JoinRecordError';
}

/** The record in `dir`, or null when there is none; a damaged one is an error naming the file. */
export function loadJoinRecord(dir: string): { record: JoinRecord; partitions: Partitions } | null {
  const path = join(dir, JOIN_RECORD_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new JoinRecordError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const record = JSON.parse(text) as JoinRecord;
    const partitions = parsePartitions(String(record.partitions));
    const members = record.members;
    if (
      !Number.isInteger(record.group) ||
      record.group < 0 ||
      record.group >= partitions.length ||
      !Array.isArray(members) ||
      !members.every((member) => typeof member === 'string')
    ) {
      throw new Error('its group or members are not valid');
    }
    return { record, partitions };
  } catch (error) {
    const detail = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    throw new JoinRecordError(`${path} is damaged (${detail}); remove the folder to join afresh`);
  }
}

/** Written whole or not at all (storage/durable-file.ts), as every other file of the folder. */
export function saveJoinRecord(dir: string, record: JoinRecord): void {
  writeDurableFile(dir, JOIN_RECORD_FILE, `${JSON.stringify(record)}\n`);
}
