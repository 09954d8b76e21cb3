import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterEvent, ClusterState } from '../../shared/api';
import { parseRecording, type RecordingHeader } from '../../shared/recording';
import { SessionRecorder } from './recorder';
import { recordingFileAt } from './recording-file';

const HEADER: RecordingHeader = { raftlab: 'recording', version: 1, startedAt: '2026-12-06T12:00:00Z', config: {} };
const STATE = { partitions: [['n1']], groups: [], nodes: [] } as unknown as ClusterState;

function event(at: number): ClusterEvent {
  return { type: 'term', at, node: 'n1', term: at };
}

let folder: string | undefined;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

describe('SessionRecorder', () => {
  it('records nothing before the first keyframe, then every event after it', () => {
    const recorder = new SessionRecorder({ header: HEADER });
    recorder.record(event(1));
    recorder.keyframe(2, STATE);
    recorder.record(event(3));
    const recording = parseRecording(recorder.text());
    expect(recording.header.version).toBe(1);
    expect(recording.keyframes.map((k) => k.at)).toEqual([2]);
    expect(recording.events.map((e) => e.at)).toEqual([3]);
  });

  it('stays within its byte cap by dropping the oldest segments whole, so it still starts at a keyframe', () => {
    const recorder = new SessionRecorder({ header: HEADER, maxBytes: 4000 });
    let at = 0;
    for (let segment = 0; segment < 50; segment++) {
      recorder.keyframe(at++, STATE);
      for (let i = 0; i < 20; i++) recorder.record(event(at++));
    }
    expect(recorder.size).toBeLessThanOrEqual(4000);
    expect(recorder.droppedLines).toBeGreaterThan(0);
    const recording = parseRecording(recorder.text());
    const firstKeyframe = recording.keyframes[0]!.at;
    expect(recording.events.every((e) => e.at > firstKeyframe)).toBe(true);
    // The newest part is kept.
    expect(recording.events.at(-1)?.at).toBe(at - 1);
  });

  it('keeps the newest segment even when it alone passes the cap', () => {
    const recorder = new SessionRecorder({ header: HEADER, maxBytes: 100 });
    recorder.keyframe(0, STATE);
    for (let i = 1; i <= 10; i++) recorder.record(event(i));
    expect(parseRecording(recorder.text()).events).toHaveLength(10);
  });

  it('writes the same lines to its file (0600), and rewrites the file from the ring once it passes twice the cap', async () => {
    folder = mkdtempSync(join(tmpdir(), 'raftlab-recorder-'));
    const path = join(folder, 'recording.jsonl');
    const recorder = new SessionRecorder({ header: HEADER, maxBytes: 3000, file: recordingFileAt(path) });
    recorder.keyframe(0, STATE);
    recorder.record(event(1));
    await recorder.flush();
    expect(readFileSync(path, 'utf8')).toBe(recorder.text());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    let at = 2;
    for (let round = 0; round < 30; round++) {
      recorder.keyframe(at++, STATE);
      for (let i = 0; i < 10; i++) recorder.record(event(at++));
      await recorder.flush();
      expect(statSync(path).size).toBeLessThanOrEqual(2 * 3000 + 2000);
    }
    // After its last rewrite the file is the ring plus what was appended since: it parses whole.
    const fromFile = parseRecording(readFileSync(path, 'utf8'));
    expect(fromFile.events.at(-1)?.at).toBe(at - 1);
  });
});
