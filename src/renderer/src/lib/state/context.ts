// Hands the one ClusterStore to every component without threading it through props.
import { getContext, setContext } from 'svelte';
import type { ClusterStore } from './cluster-store.svelte';

const STORE_KEY = Symbol('raftlab.store');

export function provideStore(store: ClusterStore): void {
  setContext(STORE_KEY, store);
}

export function useStore(): ClusterStore {
  const store = getContext<ClusterStore | undefined>(STORE_KEY);
  if (!store) throw new Error('RaftLab: a component was used outside the dashboard (no store in context)');
  return store;
}
