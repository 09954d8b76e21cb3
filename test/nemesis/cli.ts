// `npm run nemesis -- --seconds N [--processes] [--seed S]`: our own Jepsen-style
// test. A 2x3 cluster on real ports and real fsynced folders, clients doing SET/GET/DEL on a few
// keys through random nodes, a seeded nemesis faulting it, then a heal and a read of every key
// through every node, and a linearizability check of everything the clients saw.
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RespClient } from '../../src/main/net/resp-client';
import { SeededRandom } from '../../src/shared/random';
import { HashRing } from '../../src/shared/ring';
import { freePartitions } from '../integration/support/ports';
import { History, portOf, runOp, runWorkload, type WorkloadStats } from './clients';
import { HostTarget } from './host-target';
import { DEFAULT_MAX_STEPS } from './linearizability';
import { type FaultRecord, heal, messageOf, runNemesis, sleep } from './nemesis';
import { ProcessTarget } from './process-target';
import { formatCrashes, formatFaults, formatOps, formatVerdicts, judgeKeys } from './report';
import { ALL_FAULTS, type ClusterTarget, type FaultKind } from './target';

const USAGE = `usage: npm run nemesis -- [--seconds N] [--processes] [--seed S] [options below]

  --seconds N      how long clients run under faults (default 30)
  --processes      six 'raftlab node' processes (SIGKILL, SIGSTOP) instead of one 'raftlab cluster'
                   host (its control API: kills, cuts, partitions, latency, loss, clock pause)
  --seed S         the same sequence of fault, node, key and op choices (timing still varies;
                   default: random, printed)
  --clients C      concurrent clients (default 10)
  --keys K         keys, spread over both groups (default 4)
  --fault-every MS a new fault about every MS ms (default 3000)
  --faults LIST    comma-separated fault kinds to draw from (a kind named twice is drawn twice as
                   often), e.g. reshard,reshard,kill-leader,split; default: every kind the mode has
  --in-memory      nodes keep nothing on disk: deliberately unsafe (a killed node forgets its log
                   and votes), to try the checker on a cluster that can lose acknowledged writes
  --help           this text

Exits 0 when every key's history is linearizable, no process crashed and every final read was
answered; 1 otherwise (the failing window is printed, the whole history written to a file); 2 on
bad arguments.`;

const GROUPS = 2;
const GROUP_SIZE = 3;
/** What the nodes give a request before -TRYAGAIN; the client waits a little longer. */
const REQUEST_TIMEOUT_MS = 2000;
const CLIENT_TIMEOUT_MS = 3000;
const SETTLE_TIMEOUT_MS = 30_000;
const FINAL_READ_TIMEOUT_MS = 20_000;

interface Options {
  readonly seconds: number;
  readonly processes: boolean;
  readonly seed: number;
  readonly clients: number;
  readonly keys: number;
  readonly faultEveryMs: number;
  readonly inMemory: boolean;
  readonly faults: readonly FaultKind[] | null;
}

class UsageError extends Error {}

function parse(argv: readonly string[]): Options | 'help' {
  const options = {
    seconds: 30,
    processes: false,
    seed: randomInt(2 ** 31),
    clients: 10,
    keys: 4,
    faultEveryMs: 3000,
    inMemory: false,
    faults: null as FaultKind[] | null,
  };
  const integer = (flag: string, text: string | undefined, min: number): number => {
    const value = Number(text);
    if (text === undefined || !Number.isSafeInteger(value) || value < min)
      throw new UsageError(`${flag} needs an integer >= ${min}, got ${text ?? 'nothing'}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--processes') options.processes = true;
    else if (flag === '--in-memory') options.inMemory = true;
    else if (flag === '--seconds') options.seconds = integer(flag, argv[++i], 1);
    else if (flag === '--seed') options.seed = integer(flag, argv[++i], 0);
    else if (flag === '--clients') options.clients = integer(flag, argv[++i], 1);
    else if (flag === '--keys') options.keys = integer(flag, argv[++i], GROUPS);
    else if (flag === '--faults') options.faults = faultList(argv[++i]);
    else if (flag === '--fault-every') options.faultEveryMs = integer(flag, argv[++i], 200);
    else throw new UsageError(`unknown argument ${flag}`);
  }
  return options;
}

function faultList(text: string | undefined): FaultKind[] {
  const kinds = (text ?? '').split(',').filter((kind) => kind !== '');
  const unknown = kinds.find((kind) => !(ALL_FAULTS as readonly string[]).includes(kind));
  if (kinds.length === 0 || unknown !== undefined) {
    throw new UsageError(`--faults needs kinds from ${ALL_FAULTS.join(', ')}; got '${unknown ?? text ?? ''}'`);
  }
  return kinds as FaultKind[];
}

/** `count` keys, as evenly as possible over the groups, so that both groups are contended. */
function keysOverGroups(count: number): { key: string; group: number }[] {
  const ring = new HashRing(GROUPS);
  const perGroup = new Map<number, number>();
  const keys: { key: string; group: number }[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `nemesis-${i}`;
    const group = ring.groupOf(key);
    if ((perGroup.get(group) ?? 0) >= Math.ceil(count / GROUPS)) continue;
    perGroup.set(group, (perGroup.get(group) ?? 0) + 1);
    keys.push({ key, group });
  }
  return keys;
}

async function waitForLeaders(target: ClusterTarget, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const leaders = await target.leaders().catch(() => null);
    if (leaders?.every((leader) => leader !== null)) return true;
    await sleep(100);
  }
  return false;
}

/** One GET of `key` through `node`, retried until answered or the time is up: null once answered, else why not. */
async function finalRead(node: string, key: string, history: History, stats: WorkloadStats): Promise<string | null> {
  const deadline = performance.now() + FINAL_READ_TIMEOUT_MS;
  let last = 'no attempt';
  while (performance.now() < deadline) {
    let connection: RespClient | null = null;
    try {
      connection = await RespClient.connect('127.0.0.1', portOf(node), {
        connectTimeoutMs: 1000,
        commandTimeoutMs: CLIENT_TIMEOUT_MS,
      });
      const op = await runOp(connection, { client: -1, node, key, kind: 'get', value: undefined }, history, stats);
      if (op.outcome === 'ok') return null;
      last = op.error ?? 'error';
    } catch (error) {
      last = messageOf(error);
    } finally {
      connection?.close();
    }
    await sleep(200);
  }
  return last;
}

async function main(options: Options): Promise<number> {
  const out = (line = '') => console.log(line);
  const partitions = await freePartitions(GROUPS, GROUP_SIZE);
  const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-nemesis-'));
  const startedAt = performance.now();
  const mode = options.processes ? 'processes' : 'host';
  const nodeOptions = [
    ...(options.inMemory ? ['--in-memory'] : ['--data-dir', dataDir]),
    '--request-timeout',
    String(REQUEST_TIMEOUT_MS),
  ];
  const target: ClusterTarget = options.processes
    ? new ProcessTarget(partitions, nodeOptions, startedAt)
    : new HostTarget(partitions, nodeOptions, startedAt);
  const keys = keysOverGroups(options.keys);
  out(
    `nemesis: seed ${options.seed}, ${options.seconds} s, ${options.clients} clients, mode ${
      mode === 'host' ? "one 'raftlab cluster' host process" : "six 'raftlab node' processes"
    }`,
  );
  out(`cluster: ${partitions.map((members, g) => `group ${g}: ${members.join(' ')}`).join('; ')}`);
  out(`keys: ${keys.map(({ key, group }) => `${key} (group ${group})`).join(', ')}; data in ${dataDir}`);
  out(
    `replay: npm run nemesis -- --seconds ${options.seconds}${options.processes ? ' --processes' : ''}${
      options.inMemory ? ' --in-memory' : ''
    } --seed ${options.seed}`,
  );

  const history = new History();
  const stats: WorkloadStats = { notSent: 0, errors: new Map() };
  const faults: FaultRecord[] = [];
  const random = new SeededRandom(options.seed);
  const unanswered: string[] = [];
  let answered = 0;
  let setupError: string | null = null;
  const finalNodes: string[] = [];
  try {
    await target.start();
    if (!(await waitForLeaders(target, SETTLE_TIMEOUT_MS))) throw new Error('no leader in every group at start');
    const runStart = performance.now();
    out(
      `leaders elected at +${((runStart - startedAt) / 1000).toFixed(1)} s; clients and nemesis start (times below are since the launch)`,
    );
    const until = () => performance.now() - runStart >= options.seconds * 1000;
    const nodes = partitions.flat();
    await Promise.all([
      runWorkload(
        {
          nodes,
          keys: keys.map((k) => k.key),
          clients: options.clients,
          commandTimeoutMs: CLIENT_TIMEOUT_MS,
          random: random.fork(1),
          until,
        },
        history,
        stats,
      ),
      runNemesis(
        {
          target,
          random: random.fork(2),
          startedAt,
          everyMs: options.faultEveryMs,
          until,
          ...(options.faults ? { kinds: options.faults.filter((kind) => target.faults.includes(kind)) } : {}),
        },
        faults,
      ),
    ]);
    // The end: heal everything (again, in case a heal failed while the host was down), wait for
    // leaders, then every key through every node. Each of these reads must be answered.
    const at = () => performance.now() - startedAt;
    await heal(target, faults, at);
    if (faults.at(-1)?.error !== undefined) {
      await sleep(2000);
      await heal(target, faults, at);
    }
    // A key move under way finishes before the final reads (the reshard fault may have started one).
    await target.settle?.(SETTLE_TIMEOUT_MS);
    if (!(await waitForLeaders(target, SETTLE_TIMEOUT_MS))) out('after the heal, some group found no leader in 30 s');
    // Through every node of the ring as it is now (groups may have been added or removed).
    finalNodes.push(...target.partitions.flat());
    // All at once, so that a cluster that never recovers costs one read timeout, not 24.
    await Promise.all(
      keys.flatMap(({ key }) =>
        finalNodes.map(async (node) => {
          const failure = await finalRead(node, key, history, stats);
          if (failure !== null) unanswered.push(`GET ${key} via ${node}: ${failure}`);
          else answered++;
        }),
      ),
    );
  } catch (error) {
    setupError = messageOf(error);
  } finally {
    await target.stop().catch(() => undefined);
  }

  const ops = history.ops;
  out();
  for (const line of formatOps(ops, stats.notSent, stats.errors)) out(line);
  const skipped = ALL_FAULTS.filter((kind) => !target.faults.includes(kind));
  const crashes = target.crashes();
  for (const line of formatFaults(faults, crashes, skipped)) out(line);
  for (const line of formatCrashes(crashes, mode === 'host' ? 'host process' : 'node process')) out(line);
  const finalCount = keys.length * finalNodes.length;
  out(`final reads: ${answered} of ${finalCount} answered`);
  if (answered + unanswered.length < finalCount)
    unanswered.push(`${finalCount - answered - unanswered.length} never tried`);
  for (const line of unanswered) out(`  UNANSWERED ${line}`);
  if (setupError !== null) out(`the run could not finish: ${setupError}`);

  const verdicts = judgeKeys(
    ops,
    keys.map((k) => k.key),
    DEFAULT_MAX_STEPS,
  );
  for (const line of formatVerdicts(verdicts, startedAt)) out(line);
  const violations = verdicts.filter((v) => v.verdict.kind === 'violation').length;
  const inconclusive = verdicts.filter((v) => v.verdict.kind === 'inconclusive').length;
  const unansweredCount = finalCount - answered;
  const failed = violations + inconclusive + crashes.length + unansweredCount + (setupError !== null ? 1 : 0) > 0;

  if (failed) {
    const file = join(tmpdir(), `raftlab-nemesis-${mode}-seed${options.seed}-${process.pid}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          mode,
          seed: options.seed,
          seconds: options.seconds,
          partitions,
          keys,
          faults,
          crashes,
          unanswered,
          verdicts: verdicts.map(({ key, verdict, ops: count }) => ({ key, verdict, ops: count })),
          // Times in ms since the run started; completeMs null is an unknown outcome.
          history: ops.map((op) => ({
            ...op,
            invokeMs: op.invokeMs - startedAt,
            completeMs: op.completeMs === null ? null : op.completeMs - startedAt,
          })),
        },
        null,
        1,
      ),
    );
    out(`whole history: ${file}`);
    out(`data folders kept in ${dataDir}`);
  } else {
    rmSync(dataDir, { recursive: true, force: true });
  }
  out(
    `verdict: ${failed ? 'FAIL' : 'PASS'}: ${violations} key(s) not linearizable, ${inconclusive} inconclusive, ` +
      `${crashes.length} crash(es), ${unansweredCount} unanswered final read(s)`,
  );
  return failed ? 1 : 0;
}

let parsed: Options | 'help';
try {
  parsed = parse(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`nemesis: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed === 'help') {
  console.log(USAGE);
  process.exit(0);
}
main(parsed).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
