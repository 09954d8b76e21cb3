// Reads are linearizable against acknowledged writes: a read returns the value of a write at
// least as recent (by log index) as every write acknowledged, and every read completed, before
// the read began; and that value is what a committed write to that key stored.
import { decodeSet } from '../../harness/kv';
import type { Checker, ClientEvent } from './checker';
import { type ClusterModel, describeEntry } from './model';
import { InvariantViolation } from './violation';

export class LinearizableReads implements Checker {
  /** Per key: the newest write index any client has been told about. */
  private readonly floor = new Map<string, number>();
  private readonly startFloor = new Map<number, number>();

  onClient(event: ClientEvent, model: ClusterModel): void {
    switch (event.kind) {
      case 'write-ack':
        this.raise(event.key, event.index);
        return;
      case 'read-start':
        this.startFloor.set(event.readId, this.floor.get(event.key) ?? 0);
        return;
      case 'read-failed':
        this.startFloor.delete(event.readId);
        return;
      case 'read-done': {
        const floor = this.startFloor.get(event.readId) ?? 0;
        this.startFloor.delete(event.readId);
        if (event.index < floor) {
          throw new InvariantViolation(
            'Linearizable Reads',
            `read#${event.readId} of ${event.key} at ${event.node} returned the write at ${event.index}, ` +
              `but the write at ${floor} was acknowledged or read before the read began`,
          );
        }
        if (event.index > 0) this.expectWritten(event.key, event.value, event.index, model);
        this.raise(event.key, event.index);
      }
    }
  }

  private expectWritten(key: string, value: string | null, index: number, model: ClusterModel): void {
    const entry = model.committed(index);
    const command = entry === undefined ? null : decodeSet(entry.data);
    if (command !== null && command.key === key && command.value === value) return;
    throw new InvariantViolation(
      'Linearizable Reads',
      `a read of ${key} returned ${value} as written at ${index}, but the committed entry there is ${describeEntry(entry)}`,
    );
  }

  private raise(key: string, index: number): void {
    if (index > (this.floor.get(key) ?? 0)) this.floor.set(key, index);
  }
}
