// The steps every scenario starts with: the clock running, every link healed, every node of
// group 0 up, and a leader. Scenarios then change one thing at a time from a known picture.
import { act, leaderOf, membersOf, nodeOf, type ScenarioStep, wait } from './scenario';

export function prepareCluster(): ScenarioStep[] {
  return [
    act(async ({ api, state }) => {
      const now = await state();
      if (now.clock.paused) await api.setClock({ paused: false });
      if (now.links.length > 0) await api.heal();
      const { latencyMs, dropRate } = now.network;
      if (dropRate > 0) await api.setNetwork({ latencyMs, dropRate: 0 });
      for (const id of membersOf(now)) {
        if (!nodeOf(now, id)?.alive) await api.restart(id);
      }
    }, 'Getting the cluster ready: clock running, links healed, every node up.'),
    wait(
      'group 0 to have a leader with every member up',
      (_context, state) =>
        leaderOf(state) !== null && membersOf(state).every((id) => nodeOf(state, id)?.alive === true),
      20_000,
    ),
  ];
}
