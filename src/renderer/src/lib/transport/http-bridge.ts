// The browser's ClusterBridge: each operation is one fetch to the route in shared/http-routes,
// and events arrive over one EventSource shared by all listeners.
import type {
  ClockSettings,
  ClusterBridge,
  ClusterEvent,
  ClusterOperation,
  ClusterState,
  KvRequest,
  KvResult,
  LessonSettings,
  LinkRequest,
  MembersChange,
  NetworkSettings,
  NodeId,
  RaftOptions,
} from '../../../../shared/api';
import type { PartitionBody, ReconfigureBody, StepBody } from '../../../../shared/http-routes';
import { HTTP_ROUTES } from '../../../../shared/http-routes';
import type { ScenarioSummary, StepResult } from '../../../../shared/staging-api';
import { errorMessage, eventsUrl, operationUrl, parseEventBatch, requestHeaders } from './http-urls';

/** An operation the server refused; `status` is the HTTP status (0 when the server was unreachable). */
export class RequestFailed extends Error {
  override readonly name = 'RequestFailed';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type ConnectionListener = (connected: boolean) => void;

function isEvent(value: unknown): value is ClusterEvent {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export class HttpBridge implements ClusterBridge {
  private source: EventSource | null = null;
  private readonly listeners = new Set<(events: readonly ClusterEvent[]) => void>();

  constructor(
    private readonly token: string | null,
    private readonly onConnection: ConnectionListener = () => {},
  ) {}

  private async call<T>(operation: ClusterOperation, body?: unknown, node?: NodeId): Promise<T> {
    const text = await this.callText(operation, body, node);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async callText(operation: ClusterOperation, body?: unknown, node?: NodeId): Promise<string> {
    const route = HTTP_ROUTES[operation];
    const hasBody = body !== undefined;
    let response: Response;
    try {
      response = await fetch(operationUrl(operation, node), {
        method: route.method,
        // Every POST says JSON, even without a body: the server refuses any other POST, because a
        // page elsewhere can send text/plain or form posts without asking first.
        headers: requestHeaders(this.token, hasBody || route.method === 'POST'),
        body: hasBody ? JSON.stringify(body) : null,
        cache: 'no-store',
      });
    } catch (error) {
      throw new RequestFailed(
        0,
        `The server did not answer (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw new RequestFailed(response.status, errorMessage(response.status, response.statusText, text));
    return text;
  }

  state(): Promise<ClusterState> {
    return this.call<ClusterState>('state');
  }
  async kill(node: NodeId): Promise<void> {
    await this.call('kill', undefined, node);
  }
  async restart(node: NodeId): Promise<void> {
    await this.call('restart', undefined, node);
  }
  async stepDown(node: NodeId): Promise<void> {
    await this.call('stepDown', undefined, node);
  }
  async forceTimeout(node: NodeId): Promise<void> {
    await this.call('forceTimeout', undefined, node);
  }
  async takeSnapshot(node: NodeId): Promise<void> {
    await this.call('takeSnapshot', undefined, node);
  }
  async setLink(request: LinkRequest): Promise<void> {
    await this.call('setLink', request);
  }
  async partition(sides: readonly (readonly NodeId[])[]): Promise<void> {
    const body: PartitionBody = { sides };
    await this.call('partition', body);
  }
  async heal(): Promise<void> {
    await this.call('heal');
  }
  async setNetwork(settings: Partial<NetworkSettings>): Promise<void> {
    await this.call('setNetwork', settings);
  }
  async setClock(settings: Partial<ClockSettings>): Promise<void> {
    await this.call('setClock', settings);
  }
  async setRaftOptions(options: Partial<RaftOptions>): Promise<void> {
    await this.call('setRaftOptions', options);
  }
  kv(request: KvRequest): Promise<KvResult> {
    return this.call<KvResult>('kv', request);
  }
  async reconfigure(partitions: string): Promise<void> {
    const body: ReconfigureBody = { partitions };
    await this.call('reconfigure', body);
  }
  step(count: number): Promise<StepResult> {
    const body: StepBody = { messages: count };
    return this.call<StepResult>('step', body);
  }
  async dropMessage(id: number): Promise<void> {
    await this.call('dropMessage', undefined, String(id));
  }
  async alignTimers(): Promise<void> {
    await this.call('alignTimers');
  }
  async spreadTimers(): Promise<void> {
    await this.call('spreadTimers');
  }
  scenarios(): Promise<ScenarioSummary[]> {
    return this.call<ScenarioSummary[]>('scenarios');
  }
  async startScenario(id: string): Promise<void> {
    await this.call('startScenario', undefined, id);
  }
  async stopScenario(): Promise<void> {
    await this.call('stopScenario');
  }
  async nextScenarioStep(): Promise<void> {
    await this.call('nextScenarioStep');
  }
  async setLesson(settings: Partial<LessonSettings>): Promise<void> {
    await this.call('setLesson', settings);
  }
  /** JSON lines, not one JSON value: read as text. */
  recording(): Promise<string> {
    return this.callText('recording');
  }

  async changeMembers(group: number, change: MembersChange): Promise<void> {
    await this.call('changeMembers', change, String(group));
  }

  onEvents(listener: (events: readonly ClusterEvent[]) => void): () => void {
    this.listeners.add(listener);
    this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  private open(): void {
    if (this.source) return;
    // EventSource reconnects by itself after a dropped connection; we only report the state.
    const source = new EventSource(eventsUrl(this.token));
    source.onopen = () => this.onConnection(true);
    source.onerror = () => this.onConnection(false);
    source.onmessage = (message: MessageEvent<string>) => {
      let batch: ClusterEvent[];
      try {
        batch = parseEventBatch(message.data).filter(isEvent);
      } catch (error) {
        console.warn('RaftLab: ignored a malformed event batch', error);
        return;
      }
      for (const listener of this.listeners) listener(batch);
    };
    this.source = source;
  }

  private close(): void {
    this.source?.close();
    this.source = null;
  }
}
