// A broken invariant, named after the property of the Raft paper (Figure 3) or of the harness
// that it breaks. The monitor turns it into a report that carries the seed and the trace.
export class InvariantViolation extends Error {
  constructor(
    readonly property: string,
    readonly detail: string,
  ) {
    super(`${property}: ${detail}`);
    this.name = 'InvariantViolation';
  }
}
