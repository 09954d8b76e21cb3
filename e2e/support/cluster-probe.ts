// What a flow needs to know about the cluster behind the dashboard, whichever host serves it: the
// host's own state (to check the picture against), and how slow its clock runs.
import type { Page } from '@playwright/test';
import type { ClusterState } from '../../src/shared/api';
import type { HeadlessHost } from '../fixtures/headless-host';

export interface ClusterProbe {
  /** The host's state, read directly rather than from the page. */
  state(): Promise<ClusterState>;
  /**
   * How many times longer than the real-speed browser host this host needs for the same thing
   * (elections, flights): every wait in a flow is multiplied by it.
   */
  readonly patience: number;
}

/** The headless host's control API. */
export function probeHeadlessHost(host: HeadlessHost): ClusterProbe {
  return { state: () => host.api<ClusterState>('GET', '/api/state'), patience: 1 };
}

/** The desktop host, through the preload's bridge in the window (it has no HTTP API). */
export function probeDesktopWindow(page: Page, patience: number): ClusterProbe {
  return {
    state: () =>
      page.evaluate(() => {
        if (!window.raftlab) throw new Error('the window has no raftlab bridge');
        return window.raftlab.state();
      }),
    patience,
  };
}

export function leaderIn(state: ClusterState, group: number): string | null {
  return state.groups[group]?.leader ?? null;
}

export function nodeIn(state: ClusterState, id: string): ClusterState['nodes'][number] {
  const node = state.nodes.find((candidate) => candidate.id === id);
  if (!node) throw new Error(`the host reports no node ${id}`);
  return node;
}
