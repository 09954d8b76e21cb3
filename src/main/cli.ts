// `raftlab`: node | cluster | client | admin (CONTRACTS.md §2). Parsing is pure (cli/args.ts); this file
// prints, exits and maps failures to the documented exit codes: 2 for bad arguments, 1 for a port
// in use or anything else that stops a start.
import { parseArgs, UsageError } from './cli/args';
import { BootstrapMismatchError } from './cli/bootstrap-record';
import { runAdmin } from './cli/run-admin';
import { runClient } from './cli/run-client';
import { runCluster } from './cli/run-cluster';
import { runJoin } from './cli/run-join';
import { runNode } from './cli/run-node';
import { ReplayFileError, runReplay } from './cli/run-replay';

function main(argv: readonly string[]): void {
  let command: ReturnType<typeof parseArgs>;
  try {
    command = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`raftlab: ${error.message}\n\n${error.usage}`);
      process.exit(error.exitCode);
    }
    throw error;
  }
  const quiet = 'options' in command && command.options.quiet;
  const log = quiet ? () => {} : (line: string) => console.error(line);
  if ('notes' in command) for (const note of command.notes) log(`note: ${note}`);

  let started: Promise<unknown>;
  switch (command.kind) {
    case 'help':
      console.log(command.text);
      return;
    case 'node':
      // A bootstrap string that contradicts the data folder's is a usage mistake: exit 2.
      started = runNode(command, log).catch((error: unknown) => {
        if (!(error instanceof BootstrapMismatchError)) throw error;
        console.error(`raftlab: ${error.message}`);
        process.exit(2);
      });
      break;
    case 'cluster':
      started = runCluster(command, log);
      break;
    case 'join':
      started = runJoin(command, log);
      break;
    case 'admin':
      started = runAdmin(command).then((code) => process.exit(code));
      break;
    case 'client':
      started = runClient(command.target, command.command).then((code) => process.exit(code));
      break;
    case 'replay':
      // A file that is not a recording is bad input, as bad arguments are: exit 2.
      started = runReplay(command, log).catch((error: unknown) => {
        if (!(error instanceof ReplayFileError)) throw error;
        console.error(`raftlab: ${error.message}`);
        process.exit(2);
      });
      break;
  }
  // A port in use, a corrupt log, a folder that cannot be written: each error already names its
  // cause, and none of them is a usage mistake.
  started.catch((error: unknown) => {
    console.error(`raftlab: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

main(process.argv.slice(2));
