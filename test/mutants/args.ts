// The command line of `npm run mutants`, and which mutations it selects.
import { isSuite, type Mutation } from './mutation';

export const USAGE = `usage: npm run mutants -- [--quick] [--only NAME]... [--suite SUITE]... [--list] [--verbose] [--no-baseline]

  --quick         only the mutations marked quick, and only the suites they list (what CI runs)
  --only NAME     run just this mutation (repeat for more); its listed suites, then the rest
  --suite SUITE   run these suites (a *.test.ts path, or sim:N) instead of each mutation's list,
                  and nothing else: does the simulator alone catch it? (repeat for more)
  --list          list the mutations and the suites meant to kill them; run nothing
  --verbose       print each suite's output as it runs
  --no-baseline   skip the check that the suites pass on the unmutated code
  --help          this text

Each mutation is applied to a scratch copy of src/ and test/ (never to this checkout) and the
suites run there until one fails. Outside --quick, a mutation that survives its listed suites also
meets every fast suite and a longer simulator run before it is called SURVIVED.

Exits 0 when every mutation is killed, 1 when any survives, is stale or is invalid, 2 on bad
arguments.`;

export interface Args {
  readonly quick: boolean;
  readonly only: readonly string[];
  /** Replaces every mutation's killedBy for this run, with no fallback. */
  readonly suites: readonly string[];
  readonly list: boolean;
  readonly verbose: boolean;
  readonly baseline: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Args | 'help' {
  let quick = false;
  let list = false;
  let verbose = false;
  let baseline = true;
  const only: string[] = [];
  const suites: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--quick':
        quick = true;
        break;
      case '--list':
        list = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--no-baseline':
        baseline = false;
        break;
      case '--only': {
        const name = argv[++i];
        if (name === undefined || name.startsWith('--')) throw new UsageError('--only needs a mutation name');
        only.push(name);
        break;
      }
      case '--suite': {
        const suite = argv[++i];
        if (suite === undefined || !isSuite(suite)) {
          throw new UsageError(`--suite needs a *.test.ts path or sim:N, got ${suite ?? 'nothing'}`);
        }
        suites.push(suite);
        break;
      }
      default:
        throw new UsageError(`unknown argument '${flag}'`);
    }
  }
  return { quick, only, suites, list, verbose, baseline };
}

/** The mutations to run; an unknown --only name is a usage error that lists the known ones. */
export function selectMutations(all: readonly Mutation[], args: Args): Mutation[] {
  for (const name of args.only) {
    if (!all.some((m) => m.name === name)) {
      throw new UsageError(`no mutation named '${name}'; --list shows them: ${all.map((m) => m.name).join(', ')}`);
    }
  }
  return all.filter((m) => (args.only.length > 0 ? args.only.includes(m.name) : !args.quick || m.quick));
}
