// A NodeView for unit tests of views and recordings: a live follower with an empty log, in term 1
// of group 0, with whatever `fields` a test cares about on top.
import type { NodeView } from '../api';

export function nodeView(id: string, fields: Partial<NodeView> = {}): NodeView {
  return {
    id,
    group: 0,
    alive: true,
    role: 'follower',
    term: 1,
    votedFor: null,
    leader: null,
    commitIndex: 0,
    appliedIndex: 0,
    lastLogIndex: 0,
    snapshotIndex: 0,
    firstLogIndex: 1,
    learner: false,
    log: [],
    electionElapsedMs: 0,
    electionTimeoutMs: 0,
    progress: {},
    ...fields,
  };
}
