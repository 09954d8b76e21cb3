// What each long bench script run on its own (`npx tsx bench/NAME.ts`) shares: `--name N` options,
// printing the report and the JSON result (stdout, or the file after `--json`), and the exit code.
import { writeFileSync } from 'node:fs';

/** The number after `name` in argv, or `fallback`; anything but a positive number is an error. */
export function positiveOption(argv: readonly string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const parsed = Number(argv[at + 1]);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} needs a positive number`);
  return parsed;
}

/** The human report on stderr; the JSON on stdout, or in the file named after `--json`. */
export function emitResult(argv: readonly string[], result: unknown, report: string): void {
  console.error(report);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const jsonAt = argv.indexOf('--json');
  if (jsonAt >= 0) writeFileSync(argv[jsonAt + 1]!, json);
  else process.stdout.write(json);
}

/** Runs `main` when the module is the script itself (not imported by bench/run.ts). */
export function runAsScript(moduleUrl: string, main: (argv: readonly string[]) => Promise<number>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.stack : String(error));
      process.exit(1);
    },
  );
}
