// `raftlab replay <file> [--serve [HOST:]PORT] [--token-file FILE | --token TOKEN]`: the arguments,
// parsed without side effects like every other command's (args.ts).
import { DEFAULT_SERVE_HOST } from './options';

export interface ReplayCommand {
  readonly kind: 'replay';
  readonly file: string;
  /** Where to serve; 127.0.0.1 on a free port when not given. */
  readonly serve: { readonly host: string; readonly port: number };
  readonly token: string | null;
  readonly tokenFile: string | null;
}

export interface ReplayArgTools {
  parseHostPort(text: string, what: string, defaultHost: string, lowestPort: 0 | 1): { host: string; port: number };
  usageError(message: string): Error;
}

const VALUE_OPTIONS = ['--serve', '--token', '--token-file'] as const;

/** Returns null when help was asked for. */
export function parseReplayArgs(args: readonly string[], tools: ReplayArgTools): ReplayCommand | null {
  let file: string | null = null;
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return null;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if ((VALUE_OPTIONS as readonly string[]).includes(name!)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw tools.usageError(`${name} needs a value`);
      if (values.has(name!)) throw tools.usageError(`${name} is given twice`);
      values.set(name!, value);
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') throw tools.usageError(`unknown option '${arg}' for 'replay'`);
    if (file !== null) throw tools.usageError(`unexpected argument '${arg}': replay reads one file`);
    file = arg;
  }
  if (file === null || file === '') throw tools.usageError('missing <file>: the recording to replay');
  const serveText = values.get('--serve');
  const serve =
    serveText === undefined
      ? { host: DEFAULT_SERVE_HOST, port: 0 }
      : tools.parseHostPort(serveText, '--serve', DEFAULT_SERVE_HOST, 0);
  const token = values.get('--token') ?? null;
  const tokenFile = values.get('--token-file') ?? null;
  if (token !== null && tokenFile !== null) throw tools.usageError('give either --token or --token-file, not both');
  return { kind: 'replay', file, serve, token, tokenFile };
}
