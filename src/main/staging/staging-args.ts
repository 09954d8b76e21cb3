// Shape checks for the staging and scenario operations' arguments, from HTTP or IPC (see
// server/operation-args.ts, which spreads these in).
import { ApiError } from '../../shared/api';
import type { StagingApi } from '../../shared/staging-api';

/** More than this in one step is not stepping; resume instead. */
export const STEP_MESSAGES_MAX = 1000;
const SCENARIO_ID = /^[a-z0-9-]{1,64}$/;

type Checker = (args: readonly unknown[]) => unknown[];

export const STAGING_CHECKERS: { readonly [K in keyof StagingApi]: Checker } = {
  step: (args) => {
    const count = args[0] ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > STEP_MESSAGES_MAX) {
      throw new ApiError(400, `field 'messages' must be a whole number from 1 to ${STEP_MESSAGES_MAX}`);
    }
    return [count];
  },
  dropMessage: (args) => {
    const raw = args[0];
    const id = typeof raw === 'string' && /^[0-9]{1,10}$/.test(raw) ? Number(raw) : raw;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) {
      throw new ApiError(400, `a message id is a positive whole number, got ${JSON.stringify(raw)}`);
    }
    return [id];
  },
  alignTimers: () => [],
  spreadTimers: () => [],
  scenarios: () => [],
  startScenario: (args) => {
    const id = args[0];
    if (typeof id !== 'string' || !SCENARIO_ID.test(id)) {
      throw new ApiError(400, 'a scenario id is lower-case letters, digits and dashes, e.g. "leader-election"');
    }
    return [id];
  },
  stopScenario: () => [],
  nextScenarioStep: () => [],
};
