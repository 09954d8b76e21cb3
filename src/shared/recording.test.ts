import { describe, expect, it } from 'vitest';
import type { ClusterEvent, ClusterState, NodeView } from './api';
import {
  eventLine,
  frameAt,
  headerLine,
  keyframeLine,
  parseRecording,
  RecordingFormatError,
  recordingSpan,
} from './recording';
import { nodeView } from './testing/node-view';

const node = nodeView;

function state(nodes: NodeView[]): ClusterState {
  return {
    partitions: [nodes.map((n) => n.id)],
    groups: [
      {
        id: 0,
        leader: nodes.find((n) => n.role === 'leader')?.id ?? null,
        members: nodes.map((n) => n.id),
        learners: [],
      },
    ],
    nodes,
    links: [],
    ring: { hashSpace: 1, tokens: [] },
    network: { latencyMs: [0, 0], dropRate: 0 },
    clock: { timescale: 1, paused: false },
    raft: { preVote: true, checkQuorum: true },
    droppedEvents: 0,
  };
}

const HEADER = headerLine({ raftlab: 'recording', version: 1, startedAt: 'x', config: {} });

function file(lines: string[]): string {
  return `${[HEADER, ...lines].join('\n')}\n`;
}

const A1 = state([
  node('a', { role: 'leader', term: 1, log: [{ index: 1, term: 1, command: 'SET k 1' }], lastLogIndex: 1 }),
  node('b'),
]);
const A2 = state([node('a', { term: 3 }), node('b', { role: 'leader', term: 3 })]);
const EVENTS: ClusterEvent[] = [
  { type: 'append', at: 150, node: 'a', index: 2, term: 1, count: 1 },
  { type: 'commit', at: 160, node: 'a', index: 2 },
  { type: 'role', at: 300, node: 'b', role: 'candidate', term: 2 },
  { type: 'fault', at: 1500, action: 'kill', node: 'b' },
];
const RECORDING = file([
  keyframeLine({ at: 100, state: A1 }),
  ...EVENTS.slice(0, 3).map(eventLine),
  keyframeLine({ at: 1000, state: A2 }),
  eventLine(EVENTS[3]!),
]);

describe('parseRecording', () => {
  it('reads the header, keyframes and events of a recording', () => {
    const recording = parseRecording(RECORDING);
    expect(recording.keyframes.map((k) => k.at)).toEqual([100, 1000]);
    expect(recording.events).toEqual(EVENTS);
    expect(recordingSpan(recording)).toEqual({ startMs: 100, endMs: 1500 });
  });

  it.each([
    ['', /empty/],
    ['{"hello":1}\n', /not a RaftLab recording header/],
    ['{"raftlab":"recording","version":9}\n', /version 9/],
    [file(['not json']), /line 2 is not JSON/],
    [file(['{"keyframe":{},"at":1}']), /line 2: a keyframe needs/],
    [file(['{"what":1}']), /line 2 is neither an event nor a keyframe/],
    [file([eventLine(EVENTS[0]!)]), /no keyframe/],
  ])('refuses a bad file with the reason (%#)', (text, reason) => {
    expect(() => parseRecording(text)).toThrow(RecordingFormatError);
    expect(() => parseRecording(text)).toThrow(reason);
  });
});

describe('frameAt (seeking)', () => {
  const recording = parseRecording(RECORDING);

  it('starts from the last keyframe at or before the moment and folds in the events since', () => {
    const frame = frameAt(recording, 400);
    expect(frame.events.map((e) => e.at)).toEqual([150, 160, 300]);
    const a = frame.state.nodes.find((n) => n.id === 'a')!;
    expect([a.role, a.lastLogIndex, a.commitIndex]).toEqual(['leader', 2, 2]);
    expect(a.log.map((e) => `${e.index}@${e.term}`)).toEqual(['1@1', '2@1']);
    expect(frame.state.nodes.find((n) => n.id === 'b')).toMatchObject({ role: 'candidate', term: 2 });
  });

  it('goes back and forth: an earlier moment shows the earlier picture', () => {
    expect(frameAt(recording, 1200).state.groups[0]!.leader).toBe('b');
    expect(frameAt(recording, 155).state.nodes[0]!.commitIndex).toBe(0);
    expect(frameAt(recording, 100).events).toEqual([]);
    expect(frameAt(recording, 1600).state.nodes.find((n) => n.id === 'b')).toMatchObject({ alive: false });
    expect(frameAt(recording, 1600).state.groups[0]!.leader).toBeNull();
  });

  it('shows the first keyframe for a moment before the recording starts', () => {
    expect(frameAt(recording, 0).state).toEqual(A1);
  });
});
