// `<cluster folder>/live-ring.json`: which groups a host must start when it comes back (issue 13).
// The ring of record is agreed through Raft, in the groups' logs (ring-state.ts); this file is the
// host's note of it, so that a restart knows which nodes exist before any log is replayed (a group
// added live is in no bootstrap string) and whether a move was under way and must be finished.
// It is written (temp file, fsync, rename, fsync folder) before a move starts and after it ends,
// so it is never behind a move whose effects a log holds.
import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Partitions } from '../../shared/config';
import type { NodeId } from '../../shared/raft/types';
import { checkRingConfig, type RingConfig } from '../kv/ring-command';

export const LIVE_RING_FILE = 'live-ring.json';

export interface LiveRingRecord {
  /** The bootstrap string's groups: a record made by another bootstrap is refused. */
  readonly bootstrap: Partitions;
  /** Every group ever numbered (index = group id), removed ones too: ids are never reused. */
  readonly groupsEver: readonly (readonly NodeId[])[];
  readonly ring: RingConfig;
  /** The ring a move was heading to when the record was written, or null. */
  readonly pending: RingConfig | null;
}

export class LiveRingError extends Error {
  override readonly name = 'LiveRingError';
}

export async function readLiveRing(path: string, bootstrap: Partitions): Promise<LiveRingRecord | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: LiveRingRecord;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    parsed = {
      bootstrap: raw.bootstrap as Partitions,
      groupsEver: raw.groupsEver as NodeId[][],
      ring: checkRingConfig(raw.ring),
      pending: raw.pending === null ? null : checkRingConfig(raw.pending),
    };
    if (!Array.isArray(parsed.groupsEver) || !Array.isArray(parsed.bootstrap)) throw new Error('lists');
  } catch (error) {
    throw new LiveRingError(`${path} is not a live ring record (${String(error)}); move it away to start over`);
  }
  if (JSON.stringify(parsed.bootstrap) !== JSON.stringify(bootstrap)) {
    throw new LiveRingError(
      `the bootstrap configuration ${JSON.stringify(bootstrap)} contradicts the live ring in ${path}, ` +
        `bootstrapped from ${JSON.stringify(parsed.bootstrap)} and now ${describeRing(parsed.ring)}`,
    );
  }
  return parsed;
}

export async function writeLiveRing(path: string, record: LiveRingRecord): Promise<void> {
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(JSON.stringify(record));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

export function describeRing(ring: RingConfig): string {
  return `ring v${ring.version}: ${ring.groups.map((g) => `group ${g.id} [${g.members.join(', ')}]`).join('; ')}`;
}
