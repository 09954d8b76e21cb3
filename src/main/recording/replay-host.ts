// What `raftlab replay` serves in place of a cluster: a recorded session behind the same view
// interface (ClusterBridge), read-only. The dashboard draws its last moment, fetches the recording
// itself to scrub through it, and every control that would change a cluster is refused with a
// message that says why.
import { ApiError, type ClusterBridge, type ClusterEvent, type ClusterState, type KvResult } from '../../shared/api';
import { frameAt, parseRecording, type Recording, recordingSpan } from '../../shared/recording';
import type { ScenarioSummary, StepResult } from '../../shared/staging-api';

const READ_ONLY =
  'this is a recorded session (raftlab replay): nothing in it can be changed. ' +
  'Scrub the timeline to see any moment, or start `raftlab cluster` for a live one';

export class ReplayHost implements ClusterBridge {
  readonly recordingData: Recording;
  private readonly lastState: ClusterState;

  /** Throws RecordingFormatError, naming the bad line, for anything but a recording. */
  constructor(
    private readonly text: string,
    private readonly fileName: string,
  ) {
    this.recordingData = parseRecording(text);
    const { endMs } = recordingSpan(this.recordingData);
    const last = frameAt(this.recordingData, endMs).state;
    // Shown paused: nothing moves in a recording unless the timeline moves it.
    this.lastState = { ...last, clock: { ...last.clock, paused: true }, replay: { file: fileName } };
  }

  async state(): Promise<ClusterState> {
    return this.lastState;
  }

  async recording(): Promise<string> {
    return this.text;
  }

  onEvents(_listener: (events: readonly ClusterEvent[]) => void): () => void {
    return () => {};
  }

  kill = refuse;
  restart = refuse;
  stepDown = refuse;
  forceTimeout = refuse;
  setLink = refuse;
  partition = refuse;
  heal = refuse;
  setNetwork = refuse;
  setClock = refuse;
  setRaftOptions = refuse;
  reconfigure = refuse;
  setLesson = refuse;
  takeSnapshot = refuse;
  changeMembers = refuse;
  dropMessage = refuse;
  alignTimers = refuse;
  spreadTimers = refuse;
  startScenario = refuse;
  stopScenario = refuse;
  nextScenarioStep = refuse;

  async step(): Promise<StepResult> {
    throw new ApiError(409, READ_ONLY);
  }

  /** A recording has no cluster to stage scenarios on: the menu lists none. */
  async scenarios(): Promise<ScenarioSummary[]> {
    return [];
  }

  async kv(): Promise<KvResult> {
    throw new ApiError(409, READ_ONLY);
  }

  get file(): string {
    return this.fileName;
  }
}

async function refuse(): Promise<void> {
  throw new ApiError(409, READ_ONLY);
}
