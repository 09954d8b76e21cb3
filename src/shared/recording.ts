// A recorded session: the file `GET /api/recording` returns and `raftlab replay` reads, as JSON
// lines. The first line is the header; then come keyframes (a whole ClusterState, taken every
// so often) and the events between them, in host-time order. A keyframe lets a viewer redraw any
// moment from the nearest keyframe before it plus a few events, never from the start.
//
//   {"raftlab":"recording","version":1,"startedAt":"2026-...Z","config":{...}}
//   {"keyframe":{...ClusterState...},"at":0}
//   {"type":"role","at":12.5,...}                 one ClusterEvent per line
//
// Pure: the renderer parses and seeks the same file in the browser.
import type { ClusterEvent, ClusterState, LogEntryView, NodeView } from './api';

export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  readonly raftlab: 'recording';
  readonly version: number;
  /** Wall-clock start of the session, ISO 8601. */
  readonly startedAt: string;
  /** How the session was run: partitions, timing, timescale, seed. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface Keyframe {
  readonly at: number;
  readonly state: ClusterState;
}

export interface Recording {
  readonly header: RecordingHeader;
  /** In host-time order; never empty (a recording starts with one). */
  readonly keyframes: readonly Keyframe[];
  /** In host-time order. */
  readonly events: readonly ClusterEvent[];
}

/** A moment of a recording, as a view draws it. */
export interface RecordedFrame {
  readonly at: number;
  readonly state: ClusterState;
  /** The events from the frame's keyframe up to `at`, oldest first. */
  readonly events: readonly ClusterEvent[];
}

export class RecordingFormatError extends Error {
  override readonly name = 'RecordingFormatError';
}

export function headerLine(header: RecordingHeader): string {
  return JSON.stringify(header);
}

export function keyframeLine(frame: Keyframe): string {
  return JSON.stringify({ keyframe: frame.state, at: frame.at });
}

export function eventLine(event: ClusterEvent): string {
  return JSON.stringify(event);
}

/** Parses a recording; throws RecordingFormatError naming the line that is wrong. */
export function parseRecording(text: string): Recording {
  const lines = text.split('\n');
  let header: RecordingHeader | null = null;
  const keyframes: Keyframe[] = [];
  const events: ClusterEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new RecordingFormatError(`line ${i + 1} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new RecordingFormatError(`line ${i + 1} is not a JSON object`);
    }
    const record = value as Record<string, unknown>;
    if (header === null) {
      header = checkHeader(record);
      continue;
    }
    if ('keyframe' in record) {
      if (typeof record.at !== 'number' || !isState(record.keyframe)) {
        throw new RecordingFormatError(`line ${i + 1}: a keyframe needs "at" (ms) and a cluster state`);
      }
      keyframes.push({ at: record.at, state: record.keyframe });
    } else if (typeof record.type === 'string' && typeof record.at === 'number') {
      events.push(record as unknown as ClusterEvent);
    } else {
      throw new RecordingFormatError(`line ${i + 1} is neither an event nor a keyframe`);
    }
  }
  if (header === null) throw new RecordingFormatError('the file is empty: a recording starts with its header line');
  if (keyframes.length === 0) throw new RecordingFormatError('the recording holds no keyframe, so nothing to draw');
  keyframes.sort((a, b) => a.at - b.at);
  return { header, keyframes, events };
}

function checkHeader(record: Record<string, unknown>): RecordingHeader {
  if (record.raftlab !== 'recording') {
    throw new RecordingFormatError('line 1 is not a RaftLab recording header (expected "raftlab": "recording")');
  }
  if (record.version !== RECORDING_VERSION) {
    throw new RecordingFormatError(
      `this recording is version ${String(record.version)}; this RaftLab reads version ${RECORDING_VERSION}`,
    );
  }
  return {
    raftlab: 'recording',
    version: RECORDING_VERSION,
    startedAt: typeof record.startedAt === 'string' ? record.startedAt : '',
    config:
      typeof record.config === 'object' && record.config !== null ? (record.config as Record<string, unknown>) : {},
  };
}

function isState(value: unknown): value is ClusterState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Partial<ClusterState>;
  return Array.isArray(state.nodes) && Array.isArray(state.groups) && Array.isArray(state.partitions);
}

export function recordingSpan(recording: Recording): { readonly startMs: number; readonly endMs: number } {
  const startMs = recording.keyframes[0]!.at;
  const lastEvent = recording.events[recording.events.length - 1]?.at ?? startMs;
  const lastKeyframe = recording.keyframes[recording.keyframes.length - 1]!.at;
  return { startMs, endMs: Math.max(lastEvent, lastKeyframe) };
}

/**
 * The moment `at`: the last keyframe at or before it (the first one, before the start), with the
 * events since folded in for what events tell exactly (roles, terms, votes, commit and apply
 * indexes, appends, kills and restarts). Entries appended since the keyframe show their terms;
 * their commands are known only from the next keyframe on, and show as "…".
 */
export function frameAt(recording: Recording, at: number): RecordedFrame {
  const keyframe = recording.keyframes[lastAtOrBefore(recording.keyframes, at)] ?? recording.keyframes[0]!;
  const events = recording.events;
  let from = lastAtOrBefore(events, keyframe.at);
  // Events at the keyframe's own time happened before it was taken.
  from = from < 0 ? 0 : from + 1;
  const upTo = lastAtOrBefore(events, at);
  const slice = upTo >= from ? events.slice(from, upTo + 1) : [];
  let state = keyframe.state;
  for (const event of slice) state = applyEvent(state, event);
  return { at: Math.max(at, keyframe.at), state, events: slice };
}

/** Index of the last item with `at` <= the given time, or -1. */
function lastAtOrBefore(items: readonly { readonly at: number }[], at: number): number {
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.at <= at) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Folds one event into a state, for the fields events tell exactly. */
export function applyEvent(state: ClusterState, event: ClusterEvent): ClusterState {
  switch (event.type) {
    case 'role':
      return withNode(state, event.node, (node) => ({
        ...node,
        role: event.role,
        term: event.term,
        leader: event.role === 'leader' ? event.node : node.leader,
      }));
    case 'term':
      return withNode(state, event.node, (node) => ({ ...node, term: event.term }));
    case 'vote':
      return withNode(state, event.node, (node) => ({ ...node, votedFor: event.votedFor }));
    case 'commit':
      return withNode(state, event.node, (node) => ({ ...node, commitIndex: event.index }));
    case 'apply':
      return withNode(state, event.node, (node) => ({ ...node, appliedIndex: event.index }));
    case 'append':
      return withNode(state, event.node, (node) => appendTo(node, event));
    case 'fault':
      if (event.node !== undefined && (event.action === 'kill' || event.action === 'restart')) {
        const alive = event.action === 'restart';
        return withNode(state, event.node, (node) => ({
          ...node,
          alive,
          role: alive ? node.role : 'follower',
          ...(alive ? {} : { leader: null }),
        }));
      }
      return state;
    default:
      return state;
  }
}

function appendTo(node: NodeView, event: Extract<ClusterEvent, { type: 'append' }>): NodeView {
  const first = event.index - event.count + 1;
  const runs = event.runs ?? [[first, event.term]];
  const kept = node.log.filter((entry) => entry.index < first);
  const added: LogEntryView[] = [];
  // Only the tail a view shows: as many entries as the keyframe's log held, at least a few.
  const tailLength = Math.max(node.log.length, 8);
  for (let index = Math.max(first, event.index - tailLength + 1); index <= event.index; index++) {
    let term = event.term;
    for (const [start, runTerm] of runs) if (start <= index) term = runTerm;
    added.push({ index, term, command: '…' });
  }
  const log = [...kept, ...added].slice(-tailLength);
  return { ...node, log, lastLogIndex: event.index };
}

function withNode(state: ClusterState, id: string, change: (node: NodeView) => NodeView): ClusterState {
  const at = state.nodes.findIndex((node) => node.id === id);
  if (at < 0) return state;
  const nodes = state.nodes.slice();
  nodes[at] = change(nodes[at]!);
  // As the host does: a group's leader is its live leader of the highest term.
  const groups = state.groups.map((group) => {
    let leader: NodeView | undefined;
    for (const node of nodes) {
      if (node.group === group.id && node.alive && node.role === 'leader' && (!leader || node.term > leader.term)) {
        leader = node;
      }
    }
    return { ...group, leader: leader?.id ?? null };
  });
  return { ...state, nodes, groups };
}
