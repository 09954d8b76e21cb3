// Records a session's event stream, bounded: a ring of segments in memory (each a keyframe and the
// events after it) and the same lines appended to a file in the data folder. When the ring passes
// its byte cap the oldest segments go, whole, so what is left still starts at a keyframe; when the
// file passes twice the cap it is rewritten from the ring. Memory and disk therefore stay within
// a fixed size however long the session runs, and the newest part is always kept.
import type { ClusterEvent, ClusterState } from '../../shared/api';
import { eventLine, headerLine, keyframeLine, type RecordingHeader } from '../../shared/recording';
import type { RecordingFile } from './recording-file';

/** 16 MiB of lines: some minutes of a busy five-node cluster, its every message included. */
export const DEFAULT_RECORDING_MAX_BYTES = 16 * 1024 * 1024;

export interface RecorderOptions {
  readonly header: RecordingHeader;
  /** The ring's cap; the file's is twice this. */
  readonly maxBytes?: number;
  /** Where the lines also go; memory only when absent (`--in-memory`). */
  readonly file?: RecordingFile;
}

interface Segment {
  readonly lines: string[];
  bytes: number;
}

export class SessionRecorder {
  private readonly header: string;
  private readonly maxBytes: number;
  private readonly file: RecordingFile | undefined;
  private readonly segments: Segment[] = [];
  private bytes = 0;
  /** Lines not yet handed to the file. */
  private unwritten: string[] = [];
  private fileBytes = 0;
  private rewriteDue = true;
  private writing: Promise<void> = Promise.resolve();
  /** Lines dropped from the front of the ring. */
  droppedLines = 0;

  constructor(options: RecorderOptions) {
    this.header = headerLine(options.header);
    this.maxBytes = options.maxBytes ?? DEFAULT_RECORDING_MAX_BYTES;
    this.file = options.file;
  }

  /** Starts a new segment: everything after it can be drawn from here. */
  keyframe(at: number, state: ClusterState): void {
    const line = keyframeLine({ at, state });
    this.segments.push({ lines: [line], bytes: line.length + 1 });
    this.bytes += line.length + 1;
    this.unwritten.push(line);
    this.trim();
  }

  record(event: ClusterEvent): void {
    // Until the first keyframe there is nothing to draw events on.
    const segment = this.segments[this.segments.length - 1];
    if (segment === undefined) return;
    const line = eventLine(event);
    segment.lines.push(line);
    segment.bytes += line.length + 1;
    this.bytes += line.length + 1;
    this.unwritten.push(line);
    if (this.bytes > this.maxBytes) this.trim();
  }

  /** The recording as `raftlab replay` reads it: header, then the ring's lines. */
  text(): string {
    const parts = [this.header];
    for (const segment of this.segments) parts.push(...segment.lines);
    return `${parts.join('\n')}\n`;
  }

  /** Bytes the ring holds (the header aside). */
  get size(): number {
    return this.bytes;
  }

  /** Writes what is new to the file (or rewrites it from the ring once it passed its cap). */
  flush(): Promise<void> {
    const file = this.file;
    if (!file) {
      this.unwritten = [];
      return Promise.resolve();
    }
    this.writing = this.writing.then(async () => {
      if (this.rewriteDue || this.fileBytes > 2 * this.maxBytes) {
        const text = this.text();
        this.unwritten = [];
        this.rewriteDue = false;
        await file.replace(text);
        this.fileBytes = Buffer.byteLength(text);
        return;
      }
      if (this.unwritten.length === 0) return;
      const text = `${this.unwritten.join('\n')}\n`;
      this.unwritten = [];
      await file.append(text);
      this.fileBytes += Buffer.byteLength(text);
    });
    return this.writing;
  }

  private trim(): void {
    // Keep at least the newest segment: it is what a view needs most.
    while (this.bytes > this.maxBytes && this.segments.length > 1) {
      const oldest = this.segments.shift()!;
      this.bytes -= oldest.bytes;
      this.droppedLines += oldest.lines.length;
    }
  }
}
