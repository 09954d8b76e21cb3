import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../../../shared/api';
import type { StagingView } from '../../../../shared/staging-api';
import { clickerAction } from './clicker';

function state(paused: boolean, staging: StagingView): ClusterState {
  return { clock: { timescale: 1, paused }, staging } as unknown as ClusterState;
}

const HELD = { id: 1, kind: 'Vote', from: 'a:1', to: 'b:2', term: 2, fields: {} };
const NARRATING = { id: 's', title: 'S', step: 2, steps: 5, phase: 'narrating' as const, narration: 'look' };

describe("the presenter's clicker", () => {
  it("ends the scenario's narrated pause first", () => {
    expect(clickerAction(state(true, { held: [HELD], scenario: NARRATING }))).toBe('scenario');
  });

  it('delivers the next held message while paused', () => {
    expect(clickerAction(state(true, { held: [HELD], scenario: null }))).toBe('step');
  });

  it('does nothing while the cluster runs with no narrated pause, nor with nothing held', () => {
    expect(clickerAction(state(false, { held: [], scenario: { ...NARRATING, phase: 'running' } }))).toBe('none');
    expect(clickerAction(state(true, { held: [], scenario: null }))).toBe('none');
    expect(clickerAction(null)).toBe('none');
  });
});
