// Every guided scenario, in the order the menu lists them. A new scenario is one file and a line here.
import { addNode } from './add-node';
import { figure8Rule, figure8Unsafe } from './figure-8';
import { keysMove } from './keys-move';
import { leaderCrash } from './leader-crash';
import { leaderElection } from './leader-election';
import { logDivergence } from './log-divergence';
import { minorityPartition } from './minority-partition';
import { preVote } from './prevote';
import type { Scenario } from './scenario';
import { snapshotInstall } from './snapshot-install';
import { splitVote } from './split-vote';
import { staleRead } from './stale-read';

export const SCENARIOS: readonly Scenario[] = [
  leaderElection,
  leaderCrash,
  splitVote,
  minorityPartition,
  logDivergence,
  preVote,
  staleRead,
  figure8Rule,
  figure8Unsafe,
  snapshotInstall,
  addNode,
  keysMove,
];
