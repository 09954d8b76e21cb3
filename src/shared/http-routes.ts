// The HTTP form of each ClusterApi operation (CONTRACTS.md §4 plus the dashboard's extras). The
// server and the browser transport both read this table, so a route is spelled in one place.
import type { ClusterOperation } from './api';

export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  /** `{id}` stands for a URL-encoded node id. */
  readonly path: string;
}

export const HTTP_ROUTES: Readonly<Record<ClusterOperation, HttpRoute>> = {
  state: { method: 'GET', path: '/api/state' },
  kill: { method: 'POST', path: '/api/nodes/{id}/kill' },
  restart: { method: 'POST', path: '/api/nodes/{id}/restart' },
  stepDown: { method: 'POST', path: '/api/nodes/{id}/step-down' },
  forceTimeout: { method: 'POST', path: '/api/nodes/{id}/timeout' },
  takeSnapshot: { method: 'POST', path: '/api/nodes/{id}/snapshot' },
  setLink: { method: 'POST', path: '/api/links' },
  partition: { method: 'POST', path: '/api/network/partition' },
  heal: { method: 'POST', path: '/api/network/heal' },
  setNetwork: { method: 'POST', path: '/api/network' },
  setClock: { method: 'POST', path: '/api/clock' },
  setRaftOptions: { method: 'POST', path: '/api/raft' },
  kv: { method: 'POST', path: '/api/kv' },
  reconfigure: { method: 'POST', path: '/api/config' },
  // `{id}` is the group number here.
  changeMembers: { method: 'POST', path: '/api/groups/{id}/members' },
  setLesson: { method: 'POST', path: '/api/lesson' },
  recording: { method: 'GET', path: '/api/recording' },
  step: { method: 'POST', path: '/api/step' },
  dropMessage: { method: 'POST', path: '/api/messages/{id}/drop' },
  alignTimers: { method: 'POST', path: '/api/timers/align' },
  spreadTimers: { method: 'POST', path: '/api/timers/spread' },
  scenarios: { method: 'GET', path: '/api/scenarios' },
  startScenario: { method: 'POST', path: '/api/scenarios/{id}/start' },
  stopScenario: { method: 'POST', path: '/api/scenarios/stop' },
  nextScenarioStep: { method: 'POST', path: '/api/scenarios/next' },
};

export const EVENTS_PATH = '/api/events';

/** Bodies of the routes whose body is not simply the operation's one argument. */
export interface PartitionBody {
  readonly sides: readonly (readonly string[])[];
}
export interface StepBody {
  readonly messages: number;
}
export interface ReconfigureBody {
  readonly partitions: string;
}
