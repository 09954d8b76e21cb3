// The two ways the core says no, which its host must tell apart:
//  - RefusedMessageError: a message from outside was malformed or impossible. It was checked before
//    anything changed, so the node is exactly as it was: drop the message, count it, carry on.
//  - InvariantError: a rule the core relies on is broken (two leaders in one term, a committed entry
//    about to be overwritten). Safety may already be lost, so the node must stop, loudly, rather
//    than act on state it can no longer trust.
// Any other exception from the core is a bug, and a host treats it like an InvariantError.

export class RefusedMessageError extends RangeError {
  override readonly name = 'RefusedMessageError';
}

export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}
