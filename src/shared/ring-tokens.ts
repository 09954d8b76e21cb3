// How many virtual tokens each group has on the ring: a setting of the whole cluster. The ring
// routes keys, so two nodes with different counts would send one key to two groups. Every node of
// a cluster must run with the same count, for the life of its data folders, as with the partitions.
//
// The default (DEFAULT_TOKENS_PER_GROUP, 640) balances the groups within a few percent and draws as
// a barcode. A classroom wants a ring a person can read, in which each arc is a real token: with 16
// tokens a group, three groups make about 34 arcs. The price is balance, which depends on luck at
// this size; the dashboard shows each group's exact share, so the imbalance is shown, not hidden.
// On our token labels, the largest deviation from the fair 1/n share (bench/ring-balance.ts's
// measure, exact arc shares):
//
//   tokens/group | 2 groups | 3 groups | 4 groups | 5 groups
//              8 |     10 % |     35 % |     37 % |     36 %
//             12 |      8 % |     53 % |     41 % |     62 %
//             16 |      9 % |      4 % |      8 % |     17 %
//             24 |     15 % |     24 % |     32 % |     29 %
//
// 16 is both readable and, on these labels, fair enough for the presets (1 and 3 groups).
import { DEFAULT_TOKENS_PER_GROUP, MAX_TOKENS_PER_GROUP } from './ring';

export const CLASSROOM_TOKENS_PER_GROUP = 16;

/** Why a token count cannot be used, or undefined when it can. */
export function tokensPerGroupProblem(count: number): string | undefined {
  if (Number.isInteger(count) && count >= 1 && count <= MAX_TOKENS_PER_GROUP) return undefined;
  return `the ring's tokens per group must be a whole number from 1 to ${MAX_TOKENS_PER_GROUP}, not ${count}`;
}

/**
 * The cluster id nodes compare in their handshake (and a cluster host names its folder by), with
 * the token count folded in when it is not the default: a node with another ring is then refused
 * as a member of another cluster, and data routed by one ring is never read through another. At
 * the default, ids and folders stay what they always were.
 */
export function ringScopedClusterId(clusterId: string, tokensPerGroup: number): string {
  return tokensPerGroup === DEFAULT_TOKENS_PER_GROUP ? clusterId : `${clusterId}-t${tokensPerGroup}`;
}
