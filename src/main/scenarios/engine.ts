// The one engine that runs every guided scenario (scenario.ts) on the running cluster: it acts,
// waits for conditions seen in the state and the event history, and holds at narrated pauses
// until Next. One scenario runs at a time; starting another stops the first. The dashboard reads
// `status()` through /api/state.
import { ApiError, type ClusterApi, type ClusterEvent, type ClusterState } from '../../shared/api';
import type { ScenarioPhase, ScenarioStatus, ScenarioSummary } from '../../shared/staging-api';
import type { Narration, Scenario, ScenarioContext, ScenarioStep } from './scenario';

/** Wall time for the engine: real timers in the host, instant ones in tests. */
export interface EngineTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realEngineTime: EngineTime = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface ScenarioEngineOptions {
  readonly api: ClusterApi;
  readonly subscribe: (listener: (events: readonly ClusterEvent[]) => void) => () => void;
  readonly catalog: readonly Scenario[];
  readonly time?: EngineTime;
  /** How often a wait looks at the state (wall ms). */
  readonly pollMs?: number;
  /** Told each status change, e.g. to log it. */
  readonly onStatus?: (status: ScenarioStatus) => void;
}

/** Events kept per run: a long narrated pause on a busy cluster must not grow without bound. */
const EVENT_HISTORY_MAX = 50_000;

class Stopped extends Error {}

interface Run {
  readonly scenario: Scenario;
  readonly context: ScenarioContext & { events: ClusterEvent[] };
  readonly startedMs: number;
  step: number;
  phase: ScenarioPhase;
  narration: string;
  error?: string;
  seconds?: number;
  cancelled: boolean;
  /** Resolves the narrated pause in progress. */
  proceed: (() => void) | null;
  unsubscribe: () => void;
  finished: Promise<void>;
}

export class ScenarioEngine {
  private readonly time: EngineTime;
  private readonly pollMs: number;
  private run: Run | null = null;

  constructor(private readonly options: ScenarioEngineOptions) {
    this.time = options.time ?? realEngineTime;
    this.pollMs = options.pollMs ?? 100;
    const ids = new Set<string>();
    for (const scenario of options.catalog) {
      if (ids.has(scenario.id)) throw new Error(`two scenarios share the id '${scenario.id}'`);
      ids.add(scenario.id);
    }
  }

  list(): ScenarioSummary[] {
    return this.options.catalog.map(({ id, title, summary }) => ({ id, title, summary }));
  }

  status(): ScenarioStatus | null {
    const run = this.run;
    if (!run) return null;
    return {
      id: run.scenario.id,
      title: run.scenario.title,
      step: Math.min(run.step + 1, run.scenario.steps.length),
      steps: run.scenario.steps.length,
      phase: run.phase,
      narration: run.narration,
      ...(run.error === undefined ? {} : { error: run.error }),
      ...(run.seconds === undefined ? {} : { seconds: run.seconds }),
    };
  }

  /** Checks the preconditions, stops any running scenario, and starts this one in the background. */
  async start(id: string): Promise<void> {
    const scenario = this.options.catalog.find((candidate) => candidate.id === id);
    if (!scenario) {
      throw new ApiError(
        404,
        `no scenario '${id}'; the scenarios are ${this.list()
          .map((s) => s.id)
          .join(', ')}`,
      );
    }
    const state = await this.options.api.state();
    const size = state.groups[0]?.members.length ?? 0;
    if (size < scenario.preconditions.minGroupSize) {
      throw new ApiError(
        409,
        `'${scenario.title}' needs a group of at least ${scenario.preconditions.minGroupSize} nodes; group 0 has ${size}`,
      );
    }
    if (scenario.preconditions.lessonMode && state.lesson?.available !== true) {
      throw new ApiError(
        409,
        `'${scenario.title}' needs lesson mode, which only raftlab cluster and the desktop app offer`,
      );
    }
    await this.stop();
    const events: ClusterEvent[] = [];
    const context = { api: this.options.api, state: () => this.options.api.state(), events, vars: new Map() };
    const run: Run = {
      scenario,
      context,
      startedMs: this.time.now(),
      step: 0,
      phase: 'running',
      narration: scenario.summary,
      cancelled: false,
      proceed: null,
      unsubscribe: this.options.subscribe((batch) => {
        events.push(...batch);
        if (events.length > EVENT_HISTORY_MAX) events.splice(0, events.length - EVENT_HISTORY_MAX);
      }),
      finished: Promise.resolve(),
    };
    this.run = run;
    run.finished = this.execute(run);
  }

  /** Stops the running scenario where it stands; the cluster stays as it is. */
  async stop(): Promise<void> {
    const run = this.run;
    if (!run || run.cancelled) return;
    run.cancelled = true;
    run.proceed?.();
    await run.finished;
  }

  /** Ends the narrated pause. 409 when the scenario is not at one. */
  next(): void {
    const run = this.run;
    if (run?.phase !== 'narrating' || !run.proceed) {
      throw new ApiError(409, 'no scenario is waiting at a narrated pause');
    }
    run.proceed();
  }

  /** Resolves when the current run ends (tests). */
  whenFinished(): Promise<void> {
    return this.run?.finished ?? Promise.resolve();
  }

  private async execute(run: Run): Promise<void> {
    try {
      for (run.step = 0; run.step < run.scenario.steps.length; run.step++) {
        this.checkCancelled(run);
        await this.perform(run, run.scenario.steps[run.step]!);
      }
      run.phase = 'done';
      run.seconds = Math.round((this.time.now() - run.startedMs) / 100) / 10;
    } catch (error) {
      if (error instanceof Stopped) {
        run.phase = 'stopped';
      } else {
        run.phase = 'failed';
        run.error = error instanceof Error ? error.message : String(error);
      }
    } finally {
      run.proceed = null;
      run.unsubscribe();
      this.report(run);
    }
  }

  private async perform(run: Run, step: ScenarioStep): Promise<void> {
    if (step.say !== undefined) run.narration = this.say(run, step.say);
    run.phase = step.kind === 'narrate' ? 'narrating' : 'running';
    this.report(run);
    switch (step.kind) {
      case 'act':
        await step.run(run.context);
        this.checkCancelled(run);
        return;
      case 'narrate':
        await new Promise<void>((resolve) => {
          run.proceed = resolve;
        });
        run.proceed = null;
        run.phase = 'running';
        this.checkCancelled(run);
        return;
      case 'wait':
        await this.waitFor(run, step);
    }
  }

  private async waitFor(run: Run, step: Extract<ScenarioStep, { kind: 'wait' }>): Promise<void> {
    let waitedMs = 0;
    let timeoutMs = step.timeoutMs;
    for (;;) {
      const state: ClusterState = await run.context.state();
      this.checkCancelled(run);
      // Slow motion stretches the wait; a paused cluster (someone is looking) does not use it up.
      timeoutMs = step.timeoutMs * Math.max(1, state.clock.timescale);
      if (step.until(run.context, state)) return;
      if (waitedMs >= timeoutMs) {
        throw new Error(`timed out after ${Math.round(waitedMs / 1000)} s waiting for ${step.what}`);
      }
      const before = this.time.now();
      await this.time.sleep(this.pollMs);
      if (!state.clock.paused) waitedMs += this.time.now() - before;
    }
  }

  private say(run: Run, narration: Narration): string {
    return typeof narration === 'string' ? narration : narration(run.context);
  }

  private checkCancelled(run: Run): void {
    if (run.cancelled) throw new Stopped();
  }

  private report(run: Run): void {
    const status = this.run === run ? this.status() : null;
    if (status) this.options.onStatus?.(status);
  }
}
