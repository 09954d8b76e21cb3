// The window of App messages sent to one follower and not yet acknowledged. Each slot holds the last
// index that message carried; an acknowledgement of index i frees every slot at or below i. A ring
// buffer, so adding and freeing cost O(1) per message and nothing is reallocated.
import { InvariantError } from './errors';

export class Inflights {
  private readonly lastIndexes: number[];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`inflights: capacity must be a positive integer, got ${capacity}`);
    }
    this.lastIndexes = new Array<number>(capacity).fill(0);
  }

  get count(): number {
    return this.size;
  }

  full(): boolean {
    return this.size === this.capacity;
  }

  /** Records one more message in flight whose last entry is `lastIndex`; indexes must increase. */
  add(lastIndex: number): void {
    if (this.full()) throw new InvariantError('inflights: add to a full window');
    const newest = this.size === 0 ? -1 : this.lastIndexes[(this.start + this.size - 1) % this.capacity]!;
    if (lastIndex <= newest) throw new InvariantError(`inflights: ${lastIndex} does not follow ${newest}`);
    this.lastIndexes[(this.start + this.size) % this.capacity] = lastIndex;
    this.size++;
  }

  /** The follower acknowledged everything up to `index`: those messages are no longer in flight. */
  freeLE(index: number): void {
    while (this.size > 0 && this.lastIndexes[this.start]! <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.size--;
    }
  }

  /** Frees the oldest slot: used when a heartbeat reply shows the follower alive but the window is stuck. */
  freeFirstOne(): void {
    if (this.size === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
  }

  reset(): void {
    this.start = 0;
    this.size = 0;
  }
}
