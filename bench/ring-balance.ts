// How many virtual tokens per group does the ring need for every group to hold within ±10% of its
// fair share of keys? Prints JSON, then a table. Run: npx tsx bench/ring-balance.ts
//
// Two measurements for each token count:
//  - this ring (the default token labels): 100k random 16-byte keys over 2..5 groups, the largest
//    deviation of any group's key count from 100k/n;
//  - how much of that is luck: the same rings built from 200 other label seeds, each group's exact
//    share of the hash space (no key sampling), the largest deviation per ring; median, 95th
//    percentile and worst over the seeds.

import { SeededRandom } from '../src/shared/random';
import { HashRing } from '../src/shared/ring';

const KEY_COUNT = 100_000;
const GROUP_COUNTS = [2, 3, 4, 5];
const TOKEN_COUNTS = [16, 32, 64, 128, 256, 384, 512, 640, 768, 1024];
const OTHER_SEEDS = 200;

function randomKeys(count: number, random: SeededRandom): Uint8Array[] {
  return Array.from({ length: count }, () => Uint8Array.from({ length: 16 }, () => random.nextInt(256)));
}

function maxDeviationOfKeys(ring: HashRing, hashes: readonly number[]): number {
  const counts = new Array<number>(ring.groupCount).fill(0);
  for (const hash of hashes) counts[ring.groupAt(hash)]!++;
  const fair = hashes.length / ring.groupCount;
  return Math.max(...counts.map((count) => Math.abs(count - fair) / fair));
}

function maxDeviationOfShares(ring: HashRing): number {
  const fair = 1 / ring.groupCount;
  return Math.max(...ring.shares().map((share) => Math.abs(share - fair) / fair));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const keys = randomKeys(KEY_COUNT, new SeededRandom(2024));
const probe = new HashRing(1);
const hashes = keys.map((key) => probe.hashOf(key));

interface Row {
  tokensPerGroup: number;
  thisRingMaxDeviationPct: number;
  thisRingByGroups: Record<number, number>;
  otherSeedsMedianPct: number;
  otherSeedsP95Pct: number;
  otherSeedsWorstPct: number;
}

const rows: Row[] = [];
for (const tokensPerGroup of TOKEN_COUNTS) {
  const byGroups: Record<number, number> = {};
  for (const groups of GROUP_COUNTS) {
    byGroups[groups] = round(100 * maxDeviationOfKeys(new HashRing(groups, { tokensPerGroup }), hashes));
  }
  const others: number[] = [];
  for (let seed = 1; seed <= OTHER_SEEDS; seed++) {
    let worst = 0;
    for (const groups of GROUP_COUNTS) {
      worst = Math.max(worst, maxDeviationOfShares(new HashRing(groups, { tokensPerGroup, tokenSeed: seed })));
    }
    others.push(100 * worst);
  }
  others.sort((a, b) => a - b);
  rows.push({
    tokensPerGroup,
    thisRingMaxDeviationPct: Math.max(...Object.values(byGroups)),
    thisRingByGroups: byGroups,
    otherSeedsMedianPct: round(percentile(others, 0.5)),
    otherSeedsP95Pct: round(percentile(others, 0.95)),
    otherSeedsWorstPct: round(others[others.length - 1]!),
  });
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

console.log(JSON.stringify(rows));
console.log('tokens/group | this ring, max dev % (n=2,3,4,5)      | other seeds: median / p95 / worst %');
for (const row of rows) {
  const perGroup = GROUP_COUNTS.map((n) => String(row.thisRingByGroups[n]).padStart(5)).join(' ');
  console.log(
    `${String(row.tokensPerGroup).padStart(12)} | ${String(row.thisRingMaxDeviationPct).padStart(5)} (${perGroup}) | ` +
      `${row.otherSeedsMedianPct} / ${row.otherSeedsP95Pct} / ${row.otherSeedsWorstPct}`,
  );
}
