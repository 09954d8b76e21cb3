import { describe, expect, it } from 'vitest';
import type { ClusterEvent, ClusterState } from '../../shared/api';
import { parseRecording } from '../../shared/recording';
import { SessionWatch } from './session-watch';

const STATE = { partitions: [['a']], groups: [], nodes: [] } as unknown as ClusterState;

function watch(): { watch: SessionWatch; tick: () => void; setNow: (ms: number) => void } {
  let now = 0;
  let keyframe: (() => void) | null = null;
  const session = new SessionWatch({
    groupOf: () => 0,
    now: () => now,
    every: (_ms, fn) => {
      keyframe = fn;
      return () => {
        keyframe = null;
      };
    },
    snapshot: async () => STATE,
    header: { raftlab: 'recording', version: 1, startedAt: '', config: {} },
    realTime: { now: () => 0, setTimeout: () => ({}), clearTimeout: () => {} },
  });
  return { watch: session, tick: () => keyframe?.(), setNow: (ms) => (now = ms) };
}

const appendAndApply = (node: string, term: number, at: number): ClusterEvent[] => [
  { type: 'append', at, node, index: 1, term, count: 1 },
  { type: 'apply', at, node, index: 1 },
];

/** Lets the snapshot promises of keyframes settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionWatch', () => {
  it('records keyframes on its host-time clock and ends an export with a fresh one', async () => {
    const { watch: session, tick, setNow } = watch();
    session.start();
    await settled();
    setNow(500);
    tick();
    await settled();
    session.observe({ type: 'term', at: 600, node: 'a', term: 2 });
    setNow(700);
    const recording = parseRecording(await session.recording());
    expect(recording.keyframes.map((k) => k.at)).toEqual([0, 500, 700]);
    expect(recording.events.map((e) => e.at)).toEqual([600]);
    await session.stop();
  });

  it('forgets the old cluster on a new configuration: the same index of another term is no violation', () => {
    const kept = watch().watch;
    for (const event of [...appendAndApply('a', 5, 1), ...appendAndApply('b', 1, 2)]) kept.observe(event);
    expect(kept.safety().stateMachineSafety.ok).toBe(false);

    const { watch: session } = watch();
    for (const event of appendAndApply('a', 5, 1)) session.observe(event);
    session.resetMonitor();
    for (const event of appendAndApply('b', 1, 2)) session.observe(event);
    expect(session.safety().stateMachineSafety.ok).toBe(true);
  });
});
