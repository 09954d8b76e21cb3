// Why a node stopped itself, in the words a person sees: the fault event, the node's view, the log
// line and `raftlab node`'s last line. A node stops for one of two reasons (fail-stop): its storage
// failed (it could not make durable what it would acknowledge), or its Raft core hit a broken
// invariant (safety may already be lost, so it must not act on that state).
import { InvariantError } from '../../shared/raft/errors';

/** An exception from the core outside the refused-input path: from here on its state is not trusted. */
export function invariantErrorOf(error: unknown): InvariantError {
  if (error instanceof InvariantError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InvariantError(`the Raft core threw: ${message}`, { cause: error });
}

export function describeFailure(error: Error): string {
  return error instanceof InvariantError ? `broken invariant: ${error.message}` : `storage failed: ${error.message}`;
}
