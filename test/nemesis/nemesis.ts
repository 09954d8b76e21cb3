// The nemesis: one fault at a time, drawn from a seeded generator, held for a moment, then healed
// (the dead restarted, the paused resumed, links healed, latency and loss off), then a short calm
// before the next one. Every action is recorded with its time for the report.
import type { SeededRandom } from '../../src/shared/random';
import type { ClusterTarget, FaultKind } from './target';

export interface FaultRecord {
  /** Milliseconds since the run started. */
  readonly atMs: number;
  readonly kind: FaultKind | 'heal';
  readonly detail: string;
  /** Set when the fault could not be applied (e.g. the host was down). */
  readonly error?: string;
}

export interface NemesisOptions {
  readonly target: ClusterTarget;
  readonly random: SeededRandom;
  readonly startedAt: number;
  /** Roughly how often a new fault starts. */
  readonly everyMs: number;
  readonly until: () => boolean;
  /** The kinds to draw from (repeats weigh more); the target's own list when absent. */
  readonly kinds?: readonly FaultKind[];
}

export async function runNemesis(options: NemesisOptions, log: FaultRecord[]): Promise<void> {
  const { target, random, startedAt } = options;
  const at = () => performance.now() - startedAt;
  const hold = Math.max(200, Math.round(options.everyMs * 0.6));
  const calm = Math.max(200, options.everyMs - hold);
  await sleep(calm);
  while (!options.until()) {
    const kinds = options.kinds !== undefined && options.kinds.length > 0 ? options.kinds : target.faults;
    const kind = kinds[random.nextInt(kinds.length)]!;
    const startedMs = at();
    try {
      const detail = await applyFault(kind, target, random);
      log.push({ atMs: startedMs, kind, detail });
    } catch (error) {
      log.push({ atMs: startedMs, kind, detail: '', error: messageOf(error) });
    }
    // A pause is held shorter: it stops everything, and one long stop would only make timeouts.
    await sleep(kind === 'pause' ? Math.round(hold / 2) : hold + random.nextInt(Math.round(hold / 2)));
    await heal(target, log, at);
    await sleep(calm);
  }
}

export async function heal(target: ClusterTarget, log: FaultRecord[], at: () => number): Promise<void> {
  const startedMs = at();
  try {
    await target.healAll();
    log.push({ atMs: startedMs, kind: 'heal', detail: 'restart the dead, resume, heal links, network normal' });
  } catch (error) {
    log.push({ atMs: startedMs, kind: 'heal', detail: '', error: messageOf(error) });
  }
}

async function applyFault(kind: FaultKind, target: ClusterTarget, random: SeededRandom): Promise<string> {
  const groups = target.partitions;
  const g = random.nextInt(groups.length);
  const members = groups[g]!;
  const all = groups.flat();
  const leaderOf = async (group: number): Promise<string> => {
    const leaders = await target.leaders().catch(() => [] as (string | null)[]);
    return leaders[group] ?? groups[group]![random.nextInt(groups[group]!.length)]!;
  };
  switch (kind) {
    case 'kill-leader': {
      const leader = await leaderOf(g);
      await target.kill(leader);
      return `kill ${leader} (leader of group ${g})`;
    }
    case 'kill-two-of-group': {
      const victims = shuffle(members, random).slice(0, 2);
      for (const id of victims) await target.kill(id);
      return `kill ${victims.join(' and ')} (two of group ${g}: no majority)`;
    }
    case 'isolate-leader': {
      const leader = await leaderOf(g);
      await target.partition([[leader], all.filter((id) => id !== leader)]);
      return `isolate ${leader} (leader of group ${g}) from every other node`;
    }
    case 'split': {
      const order = shuffle(all, random);
      const sides = [order.slice(0, all.length / 2), order.slice(all.length / 2)];
      await target.partition(sides);
      return `partition ${sides.map((side) => side.join(' ')).join(' | ')}`;
    }
    case 'one-way-cut': {
      const leader = await leaderOf(g);
      const outgoing = random.chance(0.5);
      const others = members.filter((id) => id !== leader);
      for (const other of others) {
        if (outgoing) await target.cutOneWay(leader, other);
        else await target.cutOneWay(other, leader);
      }
      return outgoing
        ? `cut ${leader} -> ${others.join(', ')} one way (the leader of group ${g} cannot send, still hears)`
        : `cut ${others.join(', ')} -> ${leader} one way (the leader of group ${g} sends, hears nothing)`;
    }
    case 'latency-loss': {
      const latency: [number, number] = [5 + random.nextInt(20), 40 + random.nextInt(80)];
      const drop = Math.round((0.05 + random.next() * 0.25) * 100) / 100;
      await target.setNetwork(latency, drop);
      return `every link: latency ${latency[0]}-${latency[1]} ms, drop ${drop}`;
    }
    case 'reshard': {
      if (target.reshard === undefined) throw new Error('this mode cannot reshard');
      return await target.reshard(random);
    }
    case 'pause': {
      if (target.mode === 'host') {
        await target.pause(all);
        return 'pause the cluster clock (every timer and message held)';
      }
      const leader = await leaderOf(g);
      await target.pause([leader]);
      return `SIGSTOP ${leader} (leader of group ${g})`;
    }
  }
}

function shuffle<T>(items: readonly T[], random: SeededRandom): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
