// The one way a simulation fails: an error whose message alone is enough to reproduce and
// understand the run: the seed, the options, what broke, the recent trace and the command.
export interface FailureReport {
  readonly seed: number;
  readonly options: unknown;
  /** The broken property, e.g. "Election Safety", or "Liveness", or "Core error". */
  readonly property: string;
  readonly detail: string;
  readonly trace: readonly string[];
}

export function rerunCommand(seed: number): string {
  return `npm run sim -- --seed ${seed} --verbose`;
}

export function formatFailure(report: FailureReport): string {
  return [
    `Simulation failed: seed ${report.seed}`,
    `  ${report.property}: ${report.detail}`,
    `  options: ${JSON.stringify(report.options)}`,
    `  re-run: ${rerunCommand(report.seed)}`,
    `  last ${report.trace.length} events:`,
    ...report.trace.map((line) => `    ${line}`),
    `Simulation failed: seed ${report.seed}: ${report.property}: ${report.detail}`,
  ].join('\n');
}

export class SimulationFailure extends Error {
  readonly seed: number;
  readonly property: string;
  readonly detail: string;

  constructor(report: FailureReport) {
    super(formatFailure(report));
    this.name = 'SimulationFailure';
    this.seed = report.seed;
    this.property = report.property;
    this.detail = report.detail;
  }
}
