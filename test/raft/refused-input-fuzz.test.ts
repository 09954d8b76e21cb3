// Random peer messages, many of them malformed, stepped into cores in several states. Every step
// must end one of three ways: accepted; refused with a RefusedMessageError, the core exactly as it
// was; or, for a leader hearing another leader of its own term, an InvariantError. Any other exception is a
// hole in the check, and a refusal that changed something breaks "refused before any state changes".
import { describe, expect, it } from 'vitest';
import { InvariantError, RefusedMessageError } from '../../src/shared/raft/errors';
import { TERM_CEILING } from '../../src/shared/raft/message-check';
import type { Entry, Message, RaftCore } from '../../src/shared/raft/types';
import { MESSAGE_TYPES } from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';
import { drain, electDirectly, initialState, logOfTerms, newNode, peersOf } from './helpers';

const P3 = peersOf(3);
const STEPS = 3000;

/** Mostly plausible values, with the edges and the impossible mixed in. */
function pick<T>(random: SeededRandom, values: readonly T[]): T {
  return values[random.nextInt(values.length)]!;
}

function number(random: SeededRandom): number {
  if (random.nextInt(4) > 0) return random.nextInt(6);
  return pick(random, [-1, 1.5, Number.NaN, 999_999, TERM_CEILING, TERM_CEILING + 1, 2 ** 53 - 1, 2 ** 60]);
}

function entries(random: SeededRandom, prevLogIndex: number): Entry[] {
  const count = random.nextInt(4);
  const out: Entry[] = [];
  let term = random.nextInt(4);
  for (let i = 0; i < count; i++) {
    const skip = random.nextInt(8) === 0 ? 1 : 0;
    term += random.nextInt(8) === 0 ? -1 : random.nextInt(2);
    out.push({
      index: prevLogIndex + 1 + i + skip,
      term,
      type: random.nextInt(10) === 0 ? ('bogus' as 'noop') : 'normal',
      data: new Uint8Array([i]),
    });
  }
  return out;
}

function randomMessage(random: SeededRandom): Message {
  const type = random.nextInt(20) === 0 ? 'Gossip' : pick(random, MESSAGE_TYPES);
  const base = {
    from: pick(random, ['n2', 'n3', 'n2', 'n3', 'n9']),
    to: random.nextInt(10) === 0 ? 'n3' : 'n1',
    term: number(random),
  };
  const flag = random.nextInt(15) === 0 ? (2 as unknown as boolean) : random.nextInt(2) === 0;
  const prevLogIndex = number(random);
  const fields = {
    lastLogIndex: number(random),
    lastLogTerm: number(random),
    transfer: flag,
    reject: flag,
    prevLogIndex,
    prevLogTerm: number(random),
    commit: number(random),
    entries: entries(random, prevLogIndex),
    index: number(random),
    conflictTerm: number(random),
    conflictIndex: number(random),
    context: number(random),
  };
  return { type, ...base, ...fields } as unknown as Message;
}

function picture(core: RaftCore): unknown {
  const status = core.status();
  return { status, log: core.entries(status.firstIndex, status.lastIndex + 1), hasReady: core.hasReady() };
}

/** The one alarm honest-looking input can raise: an App or heartbeat from another leader of our term. */
function isSecondLeader(message: Message, before: unknown): boolean {
  const { status } = before as { status: ReturnType<RaftCore['status']> };
  return (
    status.role === 'leader' && (message.type === 'App' || message.type === 'Heartbeat') && message.term === status.term
  );
}

const STARTS: Record<string, () => RaftCore> = {
  'a fresh follower': () => newNode('n1', P3),
  'a follower with a log': () => {
    const core = newNode('n1', P3, {}, initialState(logOfTerms([1, 1, 2]), { term: 2, commit: 2 }));
    core.step({ type: 'Heartbeat', from: 'n2', to: 'n1', term: 2, commit: 2, context: 0 });
    return core;
  },
  'a leader': () => {
    const core = newNode('n1', P3, {}, initialState(logOfTerms([1, 1]), { term: 1, commit: 1 }));
    electDirectly(core, ['n2']);
    return core;
  },
};

describe('random messages: accepted, refused with nothing changed, or an invariant alarm; never anything else', () => {
  it.each(Object.keys(STARTS))('into %s', (start) => {
    const random = new SeededRandom(start.length * 7919);
    let core = STARTS[start]!();
    const outcomes = { accepted: 0, refused: 0, alarms: 0 };
    for (let step = 0; step < STEPS; step++) {
      drain(core);
      const message = randomMessage(random);
      const before = picture(core);
      try {
        core.step(message);
        outcomes.accepted++;
      } catch (error) {
        if (error instanceof RefusedMessageError) {
          outcomes.refused++;
          expect(picture(core), `refused ${JSON.stringify(message)} yet changed the core`).toEqual(before);
        } else if (error instanceof InvariantError && isSecondLeader(message, before)) {
          outcomes.alarms++;
          // The core is not to be trusted after an alarm: a host stops it; the test starts anew.
          core = STARTS[start]!();
        } else {
          throw new Error(`${JSON.stringify(message)} raised ${String(error)}`);
        }
      }
    }
    // The mix really exercised both sides.
    expect(outcomes.accepted).toBeGreaterThan(STEPS / 20);
    expect(outcomes.refused).toBeGreaterThan(STEPS / 4);
  });
});
