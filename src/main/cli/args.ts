// The command line of `raftlab` (CONTRACTS.md §2), parsed without side effects: the result says what
// to run, and every mistake is a UsageError naming the exact problem and carrying the help text of
// the command it concerns. Printing and exiting belong to the caller.

import {
  addressProblem,
  allNodes,
  ConfigError,
  DEFAULT_PARTITIONS,
  groupIndexOf,
  isPresetName,
  type Partitions,
  PRESET_NAMES,
  parsePartitions,
  presetPartitions,
} from '../../shared/config';
import type { NodeId } from '../../shared/raft/types';
import { tokensPerGroupProblem } from '../../shared/ring-tokens';
import { allowHostProblem } from '../server/host-check';
import { type AdminGroupsAction, AdminGroupsUsageError, parseAdminGroups } from './admin-groups';
import {
  DEFAULT_CLIENT_HOST,
  DEFAULT_RUN_OPTIONS,
  DEFAULT_SERVE_HOST,
  MAX_IDLE_TIMEOUT_SECONDS,
  MAX_VALUE_BYTES_LIMIT,
  type RunOptions,
} from './options';
import { parseReplayArgs, type ReplayCommand } from './replay-args';
import { type HelpTopic, usageText } from './usage';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type PartitionsSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'preset'; readonly name: string }
  | { readonly kind: 'text'; readonly text: string };

export type CliCommand =
  /** Print `text` and exit 0. */
  | { readonly kind: 'help'; readonly topic: HelpTopic; readonly text: string }
  | {
      readonly kind: 'node';
      /** `<ip>:<port>`, one of the configuration's addresses. */
      readonly id: NodeId;
      readonly host: string;
      readonly port: number;
      readonly group: number;
      readonly partitions: Partitions;
      readonly partitionsSource: PartitionsSource;
      readonly options: RunOptions;
      /** Things the caller should print (unless --quiet): accepted but worth saying. */
      readonly notes: readonly string[];
    }
  | {
      readonly kind: 'cluster';
      readonly partitions: Partitions;
      readonly partitionsSource: PartitionsSource;
      /** The dashboard's address; port 0 means "pick a free one". Null without --serve. */
      readonly serve: HostPort | null;
      /** From --token; null leaves it to RAFTLAB_TOKEN or a random one. */
      readonly token: string | null;
      /** From --token-file: read at start, so the token stays out of `ps`. */
      readonly tokenFile: string | null;
      /** From --allow-host (repeatable): names besides localhost the control API answers to. */
      readonly allowHosts: readonly string[];
      /** --paused: the clock starts paused (nothing ticks, every message is held) for staging. */
      readonly paused: boolean;
      readonly options: RunOptions;
      readonly notes: readonly string[];
    }
  | {
      /**
       * `raftlab node <ip> <port> --join <host:port> [--group G]`, or `raftlab node <ip> <port>`
       * (target null): a node outside the bootstrap configuration, or its restart from its folder.
       */
      readonly kind: 'join';
      readonly id: NodeId;
      readonly host: string;
      readonly port: number;
      readonly target: HostPort | null;
      readonly group: number | null;
      readonly options: RunOptions;
      readonly notes: readonly string[];
    }
  | AdminCommand
  | {
      readonly kind: 'client';
      readonly target: HostPort;
      /** The command words as typed; empty opens the interactive prompt. */
      readonly command: readonly string[];
    }
  | ReplayCommand;

/** `raftlab admin <host:port> members [--json] | remove-node <ip:port>`. */
export interface AdminCommand {
  readonly kind: 'admin';
  readonly target: HostPort;
  readonly action:
    | { readonly kind: 'members'; readonly json: boolean }
    | { readonly kind: 'remove-node'; readonly node: NodeId }
    | AdminGroupsAction;
}

/** Bad arguments: print `message`, then `usage`, and exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
  readonly usage: string;

  constructor(
    message: string,
    readonly topic: HelpTopic,
  ) {
    super(message);
    this.usage = usageText(topic);
  }
}

const COMMANDS = ['node', 'cluster', 'client', 'admin', 'replay'] as const;

/** `argv` without the runtime and script, i.e. `process.argv.slice(2)`. */
export function parseArgs(argv: readonly string[]): CliCommand {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new UsageError('missing command: say node, cluster or client', 'main');
  }
  if (first === '--help' || first === '-h') return help('main');
  if (first === 'help') return parseHelp(rest);
  if (first === 'node') return parseNode(rest);
  if (first === 'cluster') return parseCluster(rest);
  if (first === 'client') return parseClient(rest);
  if (first === 'admin') return parseAdmin(rest);
  if (first === 'replay') {
    return (
      parseReplayArgs(rest, {
        parseHostPort: (text, what, host, lowest) => parseHostPort(text, what, host, lowest, 'replay'),
        usageError: (message) => new UsageError(message, 'replay'),
      }) ?? help('replay')
    );
  }
  if (first.startsWith('-')) {
    throw new UsageError(`unknown option '${first}' before the command; options go after it`, 'main');
  }
  // The seed's form starts with the node's ip; its second word is the port.
  const looksLikeAddress = /^[0-9.]+$|^\[|^localhost$/.test(first);
  if (looksLikeAddress || (rest.length > 0 && /^[0-9]+$/.test(rest[0]!))) return parseNode(argv);
  throw new UsageError(
    `unknown command '${first}'; the commands are ${COMMANDS.join(', ')} ` +
      `(or the seed's form: raftlab <ip> <port> <partitions>)`,
    'main',
  );
}

function help(topic: HelpTopic): CliCommand {
  return { kind: 'help', topic, text: usageText(topic) };
}

function parseHelp(rest: readonly string[]): CliCommand {
  const [topic, extra] = rest;
  if (topic === undefined || topic === '--help' || topic === '-h') return help('main');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' after 'help ${topic}'`, 'main');
  if ((COMMANDS as readonly string[]).includes(topic)) return help(topic as HelpTopic);
  throw new UsageError(`no help for '${topic}'; the commands are ${COMMANDS.join(', ')}`, 'main');
}

// ---------------------------------------------------------------------------------------------
// Splitting arguments into options and positionals.

interface OptionSpec {
  /** The value's name in messages, or null for a flag. */
  readonly metavar: string | null;
  /** May be given more than once; every value is kept, in order. */
  readonly repeatable?: boolean;
}

const RUN_OPTION_SPECS: Readonly<Record<string, OptionSpec>> = {
  '--data-dir': { metavar: 'DIR' },
  '--in-memory': { metavar: null },
  '--election-timeout': { metavar: 'MIN-MAX' },
  '--heartbeat': { metavar: 'MS' },
  '--timescale': { metavar: 'X' },
  '--max-value-bytes': { metavar: 'N' },
  '--request-timeout': { metavar: 'MS' },
  '--no-prevote': { metavar: null },
  '--no-check-quorum': { metavar: null },
  '--quiet': { metavar: null },
  '--idle-timeout': { metavar: 'SECONDS' },
  '--max-clients': { metavar: 'N' },
  '--secret-file': { metavar: 'FILE' },
  '--insecure': { metavar: null },
  '--snapshot-entries': { metavar: 'N' },
  '--ring-tokens': { metavar: 'N' },
};

const NODE_OPTION_SPECS: Readonly<Record<string, OptionSpec>> = {
  ...RUN_OPTION_SPECS,
  '--join': { metavar: 'HOST:PORT' },
  '--group': { metavar: 'G' },
};

const CLUSTER_OPTION_SPECS: Readonly<Record<string, OptionSpec>> = {
  ...RUN_OPTION_SPECS,
  '--partitions': { metavar: 'CFG' },
  '--preset': { metavar: 'NAME' },
  '--serve': { metavar: '[HOST:]PORT' },
  '--token': { metavar: 'TOKEN' },
  '--token-file': { metavar: 'FILE' },
  '--allow-host': { metavar: 'NAME', repeatable: true },
  '--paused': { metavar: null },
};

interface SplitArgs {
  readonly help: boolean;
  /** Option name → its value ('' for a flag). */
  readonly options: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
  /** Every value of each repeatable option. */
  readonly repeated: ReadonlyMap<string, readonly string[]>;
}

function splitArgs(args: readonly string[], specs: Readonly<Record<string, OptionSpec>>, topic: HelpTopic): SplitArgs {
  // Asking for help is never an error, whatever else is on the line.
  const endOfOptions = args.indexOf('--');
  const beforeEnd = endOfOptions < 0 ? args : args.slice(0, endOfOptions);
  if (beforeEnd.some((arg) => arg === '--help' || arg === '-h'))
    return { help: true, options: new Map(), positionals: [], repeated: new Map() };
  const options = new Map<string, string>();
  const repeated = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    // A negative number is a (bad) value, not an option: '-1' as a port should be called a bad port.
    if (!arg.startsWith('-') || arg === '-' || /^-[0-9]/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    const spec = specs[name];
    if (spec === undefined) {
      const home = topic === 'node' && CLUSTER_OPTION_SPECS[name] !== undefined ? " (it belongs to 'cluster')" : '';
      throw new UsageError(`unknown option '${name}' for '${topic}'${home}`, topic);
    }
    let value: string;
    if (spec.metavar === null) {
      if (equals > 0) throw new UsageError(`${name} takes no value, but was given '${arg.slice(equals + 1)}'`, topic);
      value = '';
    } else if (equals > 0) {
      value = arg.slice(equals + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`${name} needs a value: ${name} ${spec.metavar}`, topic);
      }
      value = next;
      i++;
    }
    if (spec.repeatable) repeated.set(name, [...(repeated.get(name) ?? []), value]);
    else if (options.has(name)) throw new UsageError(`${name} is given more than once`, topic);
    options.set(name, value);
  }
  return { help: false, options, positionals, repeated };
}

// ---------------------------------------------------------------------------------------------
// Commands.

function parseNode(args: readonly string[]): CliCommand {
  const split = splitArgs(args, NODE_OPTION_SPECS, 'node');
  if (split.help) return help('node');
  const [ip, portText, partitionsText, trailing, ...extra] = split.positionals;
  if (ip === undefined) throw new UsageError('missing <ip>, <port> and <partitions>', 'node');
  if (portText === undefined) throw new UsageError('missing <port> and <partitions>', 'node');
  if (partitionsText === undefined || split.options.has('--join')) return parseJoin(split, ip, portText);
  const notes: string[] = [];
  if (trailing !== undefined) {
    if (!/^[0-9]+$/.test(trailing)) {
      throw new UsageError(`unexpected argument '${trailing}' after <partitions>`, 'node');
    }
    notes.push(`ignoring the '${trailing}' after <partitions>: the seed's command line passes it, RaftLab needs none`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, 'node');

  const port = parsePort(portText, '<port>', 1, 'node');
  if (ip === '' || /\s/.test(ip)) throw new UsageError(`<ip> '${ip}' is not an address`, 'node');
  const { partitions, source } = readPartitions(partitionsText, '<partitions>', 'node');
  const id = `${ip}:${port}`;
  const group = groupIndexOf(partitions, id);
  if (group === undefined) {
    throw new UsageError(
      `${id} is not in the configuration; <ip> <port> must be one of: ${allNodes(partitions).join(', ')}`,
      'node',
    );
  }
  const options = readRunOptions(split.options, 'node');
  return { kind: 'node', id, host: unbracket(ip), port, group, partitions, partitionsSource: source, options, notes };
}

/** A node outside the bootstrap configuration: `--join`, or a restart that reads its folder. */
function parseJoin(split: SplitArgs, ip: string, portText: string): CliCommand {
  const [, , unexpected] = split.positionals;
  if (unexpected !== undefined) {
    throw new UsageError(`give either <partitions> or --join, not both (unexpected '${unexpected}')`, 'node');
  }
  const port = parsePort(portText, '<port>', 1, 'node');
  if (ip === '' || /\s/.test(ip)) throw new UsageError(`<ip> '${ip}' is not an address`, 'node');
  const joinText = split.options.get('--join');
  const target = joinText === undefined ? null : parseHostPort(joinText, '--join', DEFAULT_CLIENT_HOST, 1, 'node');
  const groupText = split.options.get('--group');
  if (groupText !== undefined && target === null) throw new UsageError('--group needs --join', 'node');
  if (groupText !== undefined && !/^[0-9]{1,6}$/.test(groupText)) {
    throw new UsageError(`--group expects a group number (0, 1, ...), not '${groupText}'`, 'node');
  }
  const options = readRunOptions(split.options, 'node');
  return {
    kind: 'join',
    id: `${ip}:${port}`,
    host: unbracket(ip),
    port,
    target,
    group: groupText === undefined ? null : Number(groupText),
    options,
    notes: [],
  };
}

function parseCluster(args: readonly string[]): CliCommand {
  const split = splitArgs(args, CLUSTER_OPTION_SPECS, 'cluster');
  if (split.help) return help('cluster');
  const [unexpected] = split.positionals;
  if (unexpected !== undefined) {
    const hint = unexpected.trimStart().startsWith('[') ? ' (give a configuration as --partitions CFG)' : '';
    throw new UsageError(`unexpected argument '${unexpected}'${hint}`, 'cluster');
  }
  const text = split.options.get('--partitions');
  const preset = split.options.get('--preset');
  let partitions: Partitions = DEFAULT_PARTITIONS;
  let source: PartitionsSource = { kind: 'default' };
  if (text !== undefined && preset !== undefined) {
    throw new UsageError('give either --partitions or --preset, not both', 'cluster');
  }
  if (text !== undefined) ({ partitions, source } = readPartitions(text, '--partitions', 'cluster', false));
  if (preset !== undefined) {
    if (!isPresetName(preset)) {
      throw new UsageError(
        `--preset: unknown preset '${preset}'; the presets are: ${PRESET_NAMES.join(', ')}`,
        'cluster',
      );
    }
    partitions = presetPartitions(preset);
    source = { kind: 'preset', name: preset };
  }

  const serveText = split.options.get('--serve');
  const serve = serveText === undefined ? null : parseHostPort(serveText, '--serve', DEFAULT_SERVE_HOST, 0, 'cluster');
  const token = split.options.get('--token') ?? null;
  if (token !== null) {
    if (serve === null)
      throw new UsageError('--token needs --serve: it guards the control API that --serve starts', 'cluster');
    if (!/^[\x21-\x7e]{1,256}$/.test(token)) {
      throw new UsageError('--token must be 1 to 256 visible ASCII characters, without spaces', 'cluster');
    }
  }
  const tokenFile = split.options.get('--token-file') ?? null;
  if (tokenFile !== null) {
    if (serve === null) throw new UsageError('--token-file needs --serve: the token guards the control API', 'cluster');
    if (token !== null) throw new UsageError('give either --token or --token-file, not both', 'cluster');
    if (tokenFile === '') throw new UsageError('--token-file needs a file name', 'cluster');
  }
  const allowHosts = split.repeated.get('--allow-host') ?? [];
  if (allowHosts.length > 0 && serve === null) {
    throw new UsageError('--allow-host needs --serve: it widens the control API that --serve starts', 'cluster');
  }
  for (const name of allowHosts) {
    const problem = allowHostProblem(name);
    if (problem !== undefined) throw new UsageError(`--allow-host: ${problem}`, 'cluster');
  }
  const options = readRunOptions(split.options, 'cluster');
  return {
    kind: 'cluster',
    partitions,
    partitionsSource: source,
    serve,
    token,
    tokenFile,
    allowHosts,
    paused: split.options.has('--paused'),
    options,
    notes: [],
  };
}

function parseClient(args: readonly string[]): CliCommand {
  // Only what comes before the address is an option: the command after it is sent as typed.
  const first = args[0];
  if (first === '--help' || first === '-h') return help('client');
  let i = 0;
  if (first === '--') i = 1;
  else if (first?.startsWith('-') && first !== '-') {
    throw new UsageError(`unknown option '${first}' for 'client'`, 'client');
  }
  const address = args[i];
  if (address === undefined) throw new UsageError('missing <host:port> of the node to talk to', 'client');
  const target = parseHostPort(address, '<host:port>', DEFAULT_CLIENT_HOST, 1, 'client');
  return { kind: 'client', target, command: args.slice(i + 1) };
}

function parseAdmin(args: readonly string[]): CliCommand {
  if (args.includes('--help') || args.includes('-h')) return help('admin');
  const [address, action, ...rest] = args;
  if (address === undefined) throw new UsageError('missing <host:port> of a node to ask', 'admin');
  const target = parseHostPort(address, '<host:port>', DEFAULT_CLIENT_HOST, 1, 'admin');
  if (action === 'members') {
    const unexpected = rest.find((arg) => arg !== '--json');
    if (unexpected !== undefined) throw new UsageError(`unexpected argument '${unexpected}' after 'members'`, 'admin');
    return { kind: 'admin', target, action: { kind: 'members', json: rest.includes('--json') } };
  }
  if (action === 'remove-node') {
    const [node, extra] = rest;
    if (node === undefined) throw new UsageError('remove-node needs the <ip:port> of the node to remove', 'admin');
    if (extra !== undefined)
      throw new UsageError(`unexpected argument '${extra}' after 'remove-node ${node}'`, 'admin');
    const problem = addressProblem(node);
    if (problem !== null) throw new UsageError(`remove-node: '${node}' ${problem}`, 'admin');
    return { kind: 'admin', target, action: { kind: 'remove-node', node } };
  }
  let groups: AdminGroupsAction | null;
  try {
    groups = parseAdminGroups([action ?? '', ...rest]);
  } catch (error) {
    if (error instanceof AdminGroupsUsageError) throw new UsageError(error.message, 'admin');
    throw error;
  }
  if (groups !== null) return { kind: 'admin', target, action: groups };
  const actions = 'members, remove-node, add-group and remove-group';
  if (action === undefined) throw new UsageError(`missing the action: one of ${actions}`, 'admin');
  throw new UsageError(`unknown admin action '${action}'; the actions are ${actions}`, 'admin');
}

// ---------------------------------------------------------------------------------------------
// Values.

function readPartitions(
  text: string,
  what: string,
  topic: HelpTopic,
  allowPresetName = true,
): { partitions: Partitions; source: PartitionsSource } {
  if (allowPresetName && isPresetName(text)) {
    return { partitions: presetPartitions(text), source: { kind: 'preset', name: text } };
  }
  try {
    return { partitions: parsePartitions(text), source: { kind: 'text', text } };
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`${what}: ${error.message}`, topic);
    throw error;
  }
}

function readRunOptions(options: ReadonlyMap<string, string>, topic: HelpTopic): RunOptions {
  const d = DEFAULT_RUN_OPTIONS;
  const flag = (name: string) => options.has(name);
  const dataDir = options.get('--data-dir');
  if (dataDir !== undefined && dataDir === '') throw new UsageError('--data-dir needs a folder name', topic);
  if (dataDir !== undefined && flag('--in-memory')) {
    throw new UsageError('--data-dir and --in-memory contradict each other: --in-memory keeps nothing on disk', topic);
  }
  const electionText = options.get('--election-timeout');
  const electionTimeoutMs = electionText === undefined ? d.electionTimeoutMs : parseRange(electionText, topic);
  const heartbeatText = options.get('--heartbeat');
  const heartbeatMs =
    heartbeatText === undefined ? d.heartbeatMs : parsePositiveInteger(heartbeatText, '--heartbeat', topic);
  if (heartbeatMs >= electionTimeoutMs.min) {
    throw new UsageError(
      `--heartbeat (${heartbeatMs} ms) must be less than the election timeout's minimum (${electionTimeoutMs.min} ms), ` +
        'or followers would start elections between heartbeats',
      topic,
    );
  }
  const timescaleText = options.get('--timescale');
  const timescale = timescaleText === undefined ? d.timescale : parseTimescale(timescaleText, topic);
  const maxValueText = options.get('--max-value-bytes');
  const maxValueBytes =
    maxValueText === undefined ? d.maxValueBytes : parsePositiveInteger(maxValueText, '--max-value-bytes', topic);
  if (maxValueBytes > MAX_VALUE_BYTES_LIMIT) {
    throw new UsageError(
      `--max-value-bytes ${maxValueBytes} is above the limit of ${MAX_VALUE_BYTES_LIMIT} (512 MiB)`,
      topic,
    );
  }
  const secretFile = options.get('--secret-file');
  if (secretFile === '') throw new UsageError('--secret-file needs a file name', topic);
  if (secretFile !== undefined && flag('--insecure')) {
    throw new UsageError('--secret-file and --insecure contradict each other: --insecure runs with no secret', topic);
  }
  const requestText = options.get('--request-timeout');
  const requestTimeoutMs =
    requestText === undefined ? d.requestTimeoutMs : parsePositiveInteger(requestText, '--request-timeout', topic);
  const idleText = options.get('--idle-timeout');
  const idleTimeoutSeconds = idleText === undefined ? d.idleTimeoutSeconds : parseIdleTimeout(idleText, topic);
  const ringTokensText = options.get('--ring-tokens');
  const ringTokensPerGroup =
    ringTokensText === undefined ? d.ringTokensPerGroup : parsePositiveInteger(ringTokensText, '--ring-tokens', topic);
  const ringProblem = tokensPerGroupProblem(ringTokensPerGroup);
  if (ringProblem !== undefined) throw new UsageError(`--ring-tokens: ${ringProblem}`, topic);
  const maxClientsText = options.get('--max-clients');
  const maxClients =
    maxClientsText === undefined ? d.maxClients : parsePositiveInteger(maxClientsText, '--max-clients', topic);
  const snapshotText = options.get('--snapshot-entries');
  const snapshotEntries =
    snapshotText === undefined ? d.snapshotEntries : parsePositiveInteger(snapshotText, '--snapshot-entries', topic);
  return {
    dataDir: dataDir ?? d.dataDir,
    inMemory: flag('--in-memory'),
    electionTimeoutMs,
    heartbeatMs,
    timescale,
    maxValueBytes,
    requestTimeoutMs,
    preVote: !flag('--no-prevote'),
    checkQuorum: !flag('--no-check-quorum'),
    quiet: flag('--quiet'),
    idleTimeoutSeconds,
    maxClients,
    secretFile: secretFile ?? null,
    insecure: flag('--insecure'),
    snapshotEntries,
    ringTokensPerGroup,
  };
}

function parseIdleTimeout(text: string, topic: HelpTopic): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value > MAX_IDLE_TIMEOUT_SECONDS) {
    throw new UsageError(
      `--idle-timeout expects whole seconds from 0 (never) to ${MAX_IDLE_TIMEOUT_SECONDS}, not '${text}'`,
      topic,
    );
  }
  return value;
}

function parsePositiveInteger(text: string, what: string, topic: HelpTopic): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${what} expects a whole number above 0, not '${text}'`, topic);
  }
  return value;
}

function parseRange(text: string, topic: HelpTopic): { min: number; max: number } {
  const match = /^([0-9]+)-([0-9]+)$/.exec(text);
  if (match === null) {
    throw new UsageError(`--election-timeout expects MIN-MAX in milliseconds, e.g. 150-300, not '${text}'`, topic);
  }
  const min = parsePositiveInteger(match[1]!, '--election-timeout MIN', topic);
  const max = parsePositiveInteger(match[2]!, '--election-timeout MAX', topic);
  if (min >= max) {
    throw new UsageError(
      `--election-timeout: MIN (${min}) must be less than MAX (${max}), so that timeouts differ`,
      topic,
    );
  }
  return { min, max };
}

function parseTimescale(text: string, topic: HelpTopic): number {
  const value = Number(text);
  if (!/^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(text) || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--timescale expects a number above 0, e.g. 10 for ten times slower, not '${text}'`, topic);
  }
  return value;
}

function parsePort(text: string, what: string, lowest: 0 | 1, topic: HelpTopic): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < lowest || value > 65535) {
    throw new UsageError(`${what}: the port '${text}' is not a number from ${lowest} to 65535`, topic);
  }
  return value;
}

/** `PORT`, `HOST:PORT` or `[IPv6]:PORT`. */
function parseHostPort(text: string, what: string, defaultHost: string, lowestPort: 0 | 1, topic: HelpTopic): HostPort {
  if (/^[0-9]+$/.test(text)) return { host: defaultHost, port: parsePort(text, what, lowestPort, topic) };
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  if (colon < 0 || (host.includes(':') && !host.startsWith('['))) {
    throw new UsageError(`${what}: '${text}' is not HOST:PORT or PORT (an IPv6 host goes in brackets)`, topic);
  }
  const port = parsePort(text.slice(colon + 1), what, lowestPort, topic);
  // The configuration's address rules, checked on a port they accept.
  const problem = addressProblem(`${host}:1`);
  if (problem !== null) throw new UsageError(`${what}: ${problem.replace(/^is not host:port: /, '')}`, topic);
  return { host: unbracket(host), port };
}

/** Sockets take an IPv6 host without the brackets that addresses write it in. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
