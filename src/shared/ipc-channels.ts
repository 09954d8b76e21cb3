// How ClusterApi operations travel over Electron IPC, shared by the main-side handlers and the
// preload so the two cannot disagree. Failures travel as data, not as thrown errors, because
// Electron rewrites the message of an error thrown in a handler ("Error invoking remote method...").
import { ApiError, type ClusterApi, type ClusterOperation } from './api';

export function channelOf(operation: ClusterOperation): string {
  return `raftlab:${operation}`;
}

export type IpcOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: number; readonly error: string };

/** The handler's answer turned back into a value or a thrown error with the host's message. */
export function unwrapOutcome(outcome: unknown): unknown {
  if (typeof outcome !== 'object' || outcome === null || !('ok' in outcome)) {
    throw new Error('RaftLab: the main process sent a malformed IPC answer');
  }
  const answer = outcome as IpcOutcome;
  if (answer.ok) return answer.value;
  if (answer.status === 400 || answer.status === 404 || answer.status === 409) {
    throw new ApiError(answer.status, answer.error);
  }
  throw new Error(answer.error);
}

type Assert<T extends true> = T;
/** Fails to compile if ClusterApi gains an operation that CLUSTER_OPERATIONS (and so IPC) lacks. */
export type EveryOperationHasAChannel = Assert<
  [Exclude<keyof ClusterApi, ClusterOperation>] extends [never] ? true : false
>;
