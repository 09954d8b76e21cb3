// `npm run sim -- [--seeds N] [--start S] [--seed S] [--steps K] [--verbose]`: runs simulator
// seeds, reports progress, speed and the fault mix, and stops at the first failure with its seed.

import { SimulationFailure } from './failure';
import { addMix, type FaultMix, formatMix } from './fault-mix';
import { CATCH_UP_TICKS_PER_ROUND_TRIP, LIVENESS_ELECTION_TIMEOUTS, simulate } from './simulate';

const USAGE = `usage: npm run sim -- [--seeds N] [--start S] [--seed S] [--steps K] [--verbose]

  --seeds N    how many seeds to run (default 100), from --start
  --start S    first seed (default 1)
  --seed S     run just seed S (the re-run command a failure prints)
  --steps K    fault-phase steps per seed (default: the simulator's)
  --verbose    print every trace line as it happens
  --help       this text

Exits 0 when every seed passes, 1 at the first failure (printing its seed, options and trace),
2 on bad arguments.`;

interface CliOptions {
  readonly first: number;
  readonly count: number;
  readonly steps: number | undefined;
  readonly verbose: boolean;
}

class UsageError extends Error {}

function integer(flag: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag} needs an integer >= ${min}, got ${text ?? 'nothing'}`);
  }
  return value;
}

function parse(args: readonly string[]): CliOptions | 'help' {
  let first = 1;
  let count = 100;
  let steps: number | undefined;
  let verbose = false;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--seeds':
        count = integer(flag, args[++i], 1);
        break;
      case '--start':
        first = integer(flag, args[++i], 0);
        break;
      case '--seed':
        first = integer(flag, args[++i], 0);
        count = 1;
        break;
      case '--steps':
        steps = integer(flag, args[++i], 0);
        break;
      case '--verbose':
        verbose = true;
        break;
      default:
        throw new UsageError(`unknown argument '${flag}'`);
    }
  }
  return { first, count, steps, verbose };
}

function run(options: CliOptions): number {
  const started = performance.now();
  let mix: FaultMix | null = null;
  let ticks = 0;
  // The slowest recovery seen, in election timeouts, against the bound the simulator enforces.
  let slowestRecovery = { seed: 0, timeouts: 0 };
  const progressEvery = Math.max(1, Math.floor(options.count / 20));
  for (let n = 0; n < options.count; n++) {
    const seed = options.first + n;
    try {
      const result = simulate(seed, {
        ...(options.steps === undefined ? {} : { steps: options.steps }),
        ...(options.verbose ? { verbose: (line: string) => console.log(line) } : {}),
      });
      mix = addMix(mix, result.mix);
      ticks += result.ticks;
      const timeouts = result.livenessTicks / result.options.electionTicksMax;
      if (timeouts > slowestRecovery.timeouts) slowestRecovery = { seed, timeouts };
      if (options.count === 1) {
        console.log(
          `seed ${seed}: ok, ${result.ticks} ticks, commit ${result.commitIndex}, options ${JSON.stringify(result.options)}`,
        );
      }
    } catch (error) {
      console.error(error instanceof SimulationFailure ? error.message : error);
      console.error(`\nFAILED at seed ${seed} after ${n} passing seeds`);
      return 1;
    }
    if ((n + 1) % progressEvery === 0 || n + 1 === options.count) {
      const seconds = (performance.now() - started) / 1000;
      console.log(`${n + 1}/${options.count} seeds ok (${((n + 1) / seconds).toFixed(1)} seeds/s)`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nall ${options.count} seeds passed (${options.first}..${options.first + options.count - 1}) in ${seconds.toFixed(1)} s: ` +
      `${(options.count / seconds).toFixed(1)} seeds/s, ${ticks} ticks`,
  );
  console.log(
    `slowest recovery after healing: ${slowestRecovery.timeouts.toFixed(1)} election timeouts (seed ${slowestRecovery.seed}); ` +
      `the bound is ${LIVENESS_ELECTION_TIMEOUTS} plus ${CATCH_UP_TICKS_PER_ROUND_TRIP} ticks per catch-up round trip`,
  );
  if (mix !== null) console.log(`fault mix:\n${formatMix(mix)}`);
  return 0;
}

function main(args: readonly string[]): number {
  try {
    const options = parse(args);
    if (options === 'help') {
      console.log(USAGE);
      return 0;
    }
    return run(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
