// What a presenter's clicker (PageDown, or ArrowRight on some) does next: end a scenario's
// narrated pause, else deliver the next held message while paused, else nothing.
import type { ClusterState } from '../../../../shared/api';

export type ClickerAction = 'scenario' | 'step' | 'none';

export function clickerAction(state: ClusterState | null): ClickerAction {
  if (!state) return 'none';
  const scenario = state.staging?.scenario;
  if (scenario?.phase === 'narrating') return 'scenario';
  if (state.clock.paused && (state.staging?.held.length ?? 0) > 0) return 'step';
  return 'none';
}
