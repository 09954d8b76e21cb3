// The simulation's stand-in for setImmediate: the Ready loop's runs wait in a queue that the node
// drains after each input it is given, in the order they were asked for. Nothing runs on its own, so
// a seed fixes the whole order of events.
import type { LoopScheduler } from '../../src/main/host/ready-ports';

/** Runs within one drain; a loop that keeps rescheduling itself forever is a bug worth an error. */
const MAX_TASKS_PER_DRAIN = 10_000;

export class StepScheduler implements LoopScheduler {
  private queue: (() => void)[] = [];

  schedule(task: () => void): void {
    this.queue.push(task);
  }

  get empty(): boolean {
    return this.queue.length === 0;
  }

  /** Runs every queued task, and those they queue, until none is left. */
  drain(): void {
    for (let ran = 0; this.queue.length > 0; ran++) {
      if (ran > MAX_TASKS_PER_DRAIN)
        throw new Error(`scheduler: more than ${MAX_TASKS_PER_DRAIN} loop runs in one drain`);
      const task = this.queue.shift()!;
      task();
    }
  }

  /** A crashed node's queued runs never happen. */
  clear(): void {
    this.queue = [];
  }
}
