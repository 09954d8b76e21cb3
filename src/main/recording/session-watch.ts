// What watches a whole session from the cluster host: the live safety monitor and the recorder,
// both fed every event synchronously (never through the view hub, which may drop under load), plus
// the two clocks they need: keyframes every so often in host time (slow motion keeps them as
// dense per step of the cluster), and file writes every second of real time.
import type { ClusterEvent, ClusterState, NodeId } from '../../shared/api';
import type { RecordingHeader } from '../../shared/recording';
import type { SafetyReport } from '../../shared/safety';
import { type RealTime, systemRealTime } from '../host/clock';
import { SafetyMonitor } from '../monitor/safety-monitor';
import { SessionRecorder } from './recorder';
import type { RecordingFile } from './recording-file';

/** Host ms between keyframes: scrubbing lands within this of the moment asked for, then replays events. */
export const KEYFRAME_EVERY_MS = 500;
const FLUSH_EVERY_REAL_MS = 1000;

export interface SessionWatchOptions {
  readonly groupOf: (node: NodeId) => number;
  /** Host time. */
  readonly now: () => number;
  /** Calls `fn` every `ms` of host time; returns a stop. */
  readonly every: (ms: number, fn: () => void) => () => void;
  readonly snapshot: () => Promise<ClusterState>;
  readonly header: RecordingHeader;
  readonly file?: RecordingFile;
  readonly maxBytes?: number;
  readonly keyframeEveryMs?: number;
  readonly realTime?: RealTime;
  readonly log?: (line: string) => void;
}

export class SessionWatch {
  monitor: SafetyMonitor;
  readonly recorder: SessionRecorder;
  private stopKeyframes: (() => void) | null = null;
  private flushTimer: unknown;
  private failed = false;

  constructor(private readonly options: SessionWatchOptions) {
    this.monitor = new SafetyMonitor(options.groupOf);
    this.recorder = new SessionRecorder({
      header: options.header,
      ...(options.file ? { file: options.file } : {}),
      ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    });
  }

  observe(event: ClusterEvent): void {
    // Watching must never hurt what it watches: a bug here is reported once, and watching stops.
    if (this.failed) return;
    try {
      this.monitor.observe(event);
      this.recorder.record(event);
    } catch (error) {
      this.failed = true;
      this.options.log?.(`safety monitor and recorder stopped: ${error instanceof Error ? error.message : error}`);
    }
  }

  /**
   * A new configuration is a new cluster (other folders, other logs): what the monitor learnt of
   * the old one must not be held against it. The recording goes on, as one session.
   */
  resetMonitor(): void {
    this.monitor = new SafetyMonitor(this.options.groupOf);
  }

  nodeStarted(node: NodeId, lastIndex: number): void {
    this.monitor.nodeStarted(node, lastIndex);
  }

  safety(): SafetyReport {
    return this.monitor.report();
  }

  /** The recording so far, ending with a fresh keyframe: its last moment shows every log exactly. */
  async recording(): Promise<string> {
    await this.takeKeyframe();
    return this.recorder.text();
  }

  /** Takes the first keyframe and starts both clocks; again after a reconfigure, a keyframe only. */
  start(): void {
    void this.takeKeyframe();
    if (this.stopKeyframes) return;
    const every = this.options.keyframeEveryMs ?? KEYFRAME_EVERY_MS;
    this.stopKeyframes = this.options.every(every, () => void this.takeKeyframe());
    this.scheduleFlush();
  }

  async stop(): Promise<void> {
    this.stopKeyframes?.();
    this.stopKeyframes = null;
    const realTime = this.options.realTime ?? systemRealTime;
    if (this.flushTimer !== undefined) realTime.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flushQuietly();
  }

  private takeKeyframe(): Promise<void> {
    const at = this.options.now();
    return this.options.snapshot().then(
      (state) => this.recorder.keyframe(at, state),
      () => undefined,
    );
  }

  private scheduleFlush(): void {
    const realTime = this.options.realTime ?? systemRealTime;
    const timer = realTime.setTimeout(() => {
      void this.flushQuietly().then(() => {
        if (this.flushTimer === timer) this.scheduleFlush();
      });
    }, FLUSH_EVERY_REAL_MS);
    (timer as { unref?: () => void }).unref?.();
    this.flushTimer = timer;
  }

  private async flushQuietly(): Promise<void> {
    try {
      await this.recorder.flush();
    } catch (error) {
      // A full disk costs the recording's file, never the cluster; the ring still serves /api/recording.
      this.options.log?.(`recording: cannot write the file: ${error instanceof Error ? error.message : error}`);
    }
  }
}
