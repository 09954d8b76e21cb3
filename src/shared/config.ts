// The partition configuration (CONTRACTS.md §1): a list of groups, each a list of `host:port`
// strings, in the seed's Python-literal form or as JSON. The text comes from a command line or from
// a view over HTTP, so it is read by a small hand-written parser and never evaluated: the only
// things it can ever produce are lists of validated address strings.
import { murmur3, utf8Bytes } from './hash';
import type { NodeId } from './raft/types';

/** Groups in configuration order (group i is `partitions[i]`), each a list of node ids. */
export type Partitions = readonly (readonly NodeId[])[];

/** A configuration that cannot be used. The message names the bad item and where it is. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Bad arguments exit 2 (CONTRACTS.md §2). */
  readonly exitCode = 2;
}

/** Far beyond any classroom cluster; it bounds the work one request can ask of the parser. */
export const MAX_CONFIG_CHARS = 65_536;

export const PRESET_NAMES = ['readme', 'sharded'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PRESET_DESCRIPTIONS: Readonly<Record<PresetName, string>> = {
  readme: '5 nodes in one group, 127.0.0.1:5001..5005 (the default, as in the seed README)',
  sharded: '3 groups of 3 nodes, 127.0.0.1:5001..5009',
};

const EXAMPLE = "[['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003']]";

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export function presetPartitions(name: string): Partitions {
  const localGroups = (groupSizes: readonly number[]): Partitions => {
    let port = 5001;
    return freeze(groupSizes.map((size) => Array.from({ length: size }, () => `127.0.0.1:${port++}`)));
  };
  switch (name) {
    case 'readme':
      return localGroups([5]);
    case 'sharded':
      return localGroups([3, 3, 3]);
    default:
      throw new ConfigError(`unknown preset '${name}'; the presets are: ${PRESET_NAMES.join(', ')}`);
  }
}

/** The seed README's example: one group of five. */
export const DEFAULT_PARTITIONS: Partitions = presetPartitions('readme');

/** In the seed's own form, e.g. `[['127.0.0.1:5001', '127.0.0.1:5002']]`; parsePartitions reads it back. */
export function formatPartitions(partitions: Partitions): string {
  return `[${partitions.map((group) => `[${group.map((node) => `'${node}'`).join(', ')}]`).join(', ')}]`;
}

export function allNodes(partitions: Partitions): NodeId[] {
  return partitions.flat();
}

/** The group that lists `node`, or undefined. */
export function groupIndexOf(partitions: Partitions, node: NodeId): number | undefined {
  const index = partitions.findIndex((group) => group.includes(node));
  return index < 0 ? undefined : index;
}

/** Like groupIndexOf, but a stranger is a ConfigError that lists the addresses that would do. */
export function requireGroupOf(partitions: Partitions, node: NodeId): number {
  const group = groupIndexOf(partitions, node);
  if (group === undefined) {
    throw new ConfigError(
      `${node} is not in the configuration; the configured addresses are: ${allNodes(partitions).join(', ')}`,
    );
  }
  return group;
}

/**
 * A short stable name of the configuration, the same on every machine, for peers to refuse a node
 * started with another one. Groups keep their order (it decides where keys go); members are sorted,
 * since their order within a group changes nothing.
 */
export function clusterIdOf(partitions: Partitions): string {
  const normalized = utf8Bytes(JSON.stringify(partitions.map((group) => [...group].sort())));
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return hex(murmur3(normalized, 0x636c7573)) + hex(murmur3(normalized, 0x74657221));
}

// ---------------------------------------------------------------------------------------------
// Parsing.

type Token =
  | { readonly kind: '[' | ']' | ',' | 'end'; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  /** Anything else up to the next delimiter: a number, a bare word, a stray symbol. */
  | { readonly kind: 'other'; readonly text: string; readonly at: number };

/**
 * Reads the configuration text. Every rejection is a ConfigError naming the item (groups and items
 * are numbered from 0, as everywhere in RaftLab) and its line and column.
 */
export function parsePartitions(text: string): Partitions {
  if (text.length > MAX_CONFIG_CHARS) {
    throw new ConfigError(`the configuration is ${text.length} characters long; the limit is ${MAX_CONFIG_CHARS}`);
  }
  return new Parser(text).parse();
}

interface Seen {
  readonly group: number;
  readonly item: number;
}

class Parser {
  private readonly lexer: Lexer;
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly text: string) {
    this.lexer = new Lexer(text);
  }

  parse(): Partitions {
    const open = this.lexer.next();
    if (open.kind === 'end') {
      throw new ConfigError(`the configuration is empty; expected a list of groups such as ${EXAMPLE}`);
    }
    if (open.kind !== '[') {
      throw this.error(open, `expected '[' to open the list of groups, found ${describeToken(open)}`);
    }
    const groups: NodeId[][] = [];
    for (;;) {
      const token = this.lexer.next();
      if (token.kind === ']') break;
      if (token.kind === '[') {
        groups.push(this.parseGroup(groups.length, token.at));
      } else if (token.kind === 'end') {
        throw this.error(
          token,
          `unbalanced brackets: the list of groups opened at ${this.where(open.at)} is not closed`,
        );
      } else if (token.kind === ',') {
        throw this.error(token, `unexpected ',' where group ${groups.length} should start`);
      } else {
        throw this.error(
          token,
          `group ${groups.length} is not a list: found ${describeToken(token)}; ` +
            `the configuration is a list of groups, each a list of addresses, e.g. ${EXAMPLE}`,
        );
      }
      const after = this.lexer.next();
      if (after.kind === ']') break;
      if (after.kind === 'end') {
        throw this.error(
          after,
          `unbalanced brackets: the list of groups opened at ${this.where(open.at)} is not closed`,
        );
      }
      if (after.kind !== ',') {
        throw this.error(after, `expected ',' or ']' after group ${groups.length - 1}, found ${describeToken(after)}`);
      }
    }
    if (groups.length === 0) {
      throw new ConfigError(`the list of groups is empty; expected at least one group, e.g. ${EXAMPLE}`);
    }
    const rest = this.lexer.next();
    if (rest.kind === ']') {
      throw this.error(rest, "unbalanced brackets: a ']' more than the '[' before it");
    }
    if (rest.kind !== 'end') {
      throw this.error(rest, `unexpected text after the closing ']' of the list of groups: ${describeToken(rest)}`);
    }
    return freeze(groups);
  }

  private parseGroup(group: number, openedAt: number): NodeId[] {
    const members: NodeId[] = [];
    for (;;) {
      const token = this.lexer.next();
      if (token.kind === ']') break;
      const item = members.length;
      if (token.kind === 'string') {
        members.push(this.checkAddress(token.value, group, item, token.at));
      } else if (token.kind === 'end') {
        throw this.error(
          token,
          `unbalanced brackets: group ${group}, opened at ${this.where(openedAt)}, is not closed`,
        );
      } else if (token.kind === ',') {
        throw this.error(token, `unexpected ',' in group ${group} where item ${item} should be`);
      } else if (token.kind === '[') {
        throw this.error(token, `item ${item} of group ${group} is a list; an item is a quoted 'host:port' string`);
      } else {
        throw this.error(
          token,
          `item ${item} of group ${group} is not a quoted string: found ${describeToken(token)}; ` +
            `write each address in quotes, e.g. '127.0.0.1:5001'`,
        );
      }
      const after = this.lexer.next();
      if (after.kind === ']') break;
      if (after.kind === 'end') {
        throw this.error(
          after,
          `unbalanced brackets: group ${group}, opened at ${this.where(openedAt)}, is not closed`,
        );
      }
      if (after.kind !== ',') {
        throw this.error(
          after,
          `expected ',' or ']' after item ${item} of group ${group}, found ${describeToken(after)}`,
        );
      }
    }
    if (members.length === 0) {
      throw new ConfigError(
        `group ${group} is empty (at ${this.where(openedAt)}); every group needs at least one node`,
      );
    }
    return members;
  }

  private checkAddress(address: string, group: number, item: number, at: number): NodeId {
    const problem = addressProblem(address);
    const name = `address ${quote(address)} (group ${group}, item ${item}, at ${this.where(at)})`;
    if (problem !== null) throw new ConfigError(`${name} ${problem}`);
    const key = address.toLowerCase();
    const first = this.seen.get(key);
    if (first !== undefined) {
      throw new ConfigError(
        `address ${quote(address)} is listed twice: as group ${first.group}, item ${first.item} ` +
          `and as group ${group}, item ${item} (at ${this.where(at)}); each node may appear once`,
      );
    }
    this.seen.set(key, { group, item });
    return address;
  }

  private error(token: Token, message: string): ConfigError {
    return new ConfigError(`${message} (at ${this.where(token.at)})`);
  }

  private where(offset: number): string {
    return locate(this.text, offset);
  }
}

class Lexer {
  private position = 0;

  constructor(private readonly text: string) {}

  next(): Token {
    const text = this.text;
    while (this.position < text.length && isSpace(text[this.position]!)) this.position++;
    const at = this.position;
    if (at >= text.length) return { kind: 'end', at };
    const char = text[at]!;
    if (char === '[' || char === ']' || char === ',') {
      this.position++;
      return { kind: char, at };
    }
    if (char === "'" || char === '"') return this.readString(char, at);
    let end = at + 1;
    while (end < text.length && !isDelimiter(text[end]!)) end++;
    this.position = end;
    return { kind: 'other', text: text.slice(at, end), at };
  }

  /** A Python or JSON string literal: the common escapes, no raw line breaks. */
  private readString(quoteChar: string, at: number): Token {
    const text = this.text;
    let value = '';
    let i = at + 1;
    for (;;) {
      if (i >= text.length || text[i] === '\n' || text[i] === '\r') {
        throw new ConfigError(`unterminated string starting at ${this.where(at)}: missing its closing ${quoteChar}`);
      }
      const char = text[i]!;
      if (char === quoteChar) break;
      if (char !== '\\') {
        value += char;
        i++;
        continue;
      }
      const escaped = text[i + 1];
      const simple = escaped === undefined ? undefined : SIMPLE_ESCAPES[escaped];
      if (simple !== undefined) {
        value += simple;
        i += 2;
      } else if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        throw new ConfigError(
          `unsupported escape '\\${escaped ?? ''}' in the string starting at ${this.where(at)}; ` +
            'an address needs no escapes',
        );
      }
    }
    this.position = i + 1;
    return { kind: 'string', value, at };
  }

  private where(offset: number): string {
    return locate(this.text, offset);
  }
}

/** "column 7", or "line 2, column 7" once the text has more than one line. */
function locate(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  if (!text.includes('\n')) return `column ${column}`;
  return `line ${before.split('\n').length}, column ${column}`;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  '/': '/',
  n: '\n',
  r: '\r',
  t: '\t',
};

function isSpace(char: string): boolean {
  return /\s/.test(char);
}

function isDelimiter(char: string): boolean {
  return isSpace(char) || char === '[' || char === ']' || char === ',' || char === "'" || char === '"';
}

// ---------------------------------------------------------------------------------------------
// Addresses.

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `address` is not a usable `host:port`, or null if it is. */
export function addressProblem(address: string): string | null {
  let host: string;
  let port: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0 || address[close + 1] !== ':') return "is not host:port: an IPv6 host is written '[::1]:5001'";
    host = address.slice(0, close + 1);
    port = address.slice(close + 2);
    if (!/^\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]$/.test(host))
      return `is not host:port: ${quote(host)} is not an IPv6 address`;
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) return "is not host:port: it has no ':port'";
    host = address.slice(0, colon);
    port = address.slice(colon + 1);
    if (host === '') return 'is not host:port: the host is missing';
    if (host.includes(':')) return "is not host:port: write an IPv6 host in brackets, e.g. '[::1]:5001'";
    const hostProblem = hostnameProblem(host);
    if (hostProblem !== null) return `is not host:port: ${hostProblem}`;
  }
  if (port === '') return 'is not host:port: the port is missing';
  if (!/^[0-9]+$/.test(port)) return `is not host:port: the port ${quote(port)} is not a number`;
  if (port.length > 1 && port.startsWith('0')) return `has a port with a leading zero; write ${Number(port)}`;
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65535) return `has port ${port}, outside 1..65535`;
  return null;
}

function hostnameProblem(host: string): string | null {
  if (host.length > 253) return 'the host name is longer than 253 characters';
  if (/^[0-9.]+$/.test(host)) {
    const octets = host.split('.');
    const valid = octets.length === 4 && octets.every((o) => /^(0|[1-9][0-9]{0,2})$/.test(o) && Number(o) <= 255);
    return valid ? null : `${quote(host)} is not an IPv4 address`;
  }
  const labels = host.split('.');
  if (labels.every((label) => HOST_LABEL.test(label))) return null;
  return `${quote(host)} is not a host name (letters, digits, '-' and '.') or an IP address`;
}

// ---------------------------------------------------------------------------------------------

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the text';
    case 'string':
      return `the string ${quote(token.value)}`;
    case 'other':
      return quote(token.text);
    default:
      return `'${token.kind}'`;
  }
}

/** Safe to print: control characters escaped, long text cut. */
function quote(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  return JSON.stringify(short);
}

function freeze(groups: readonly (readonly NodeId[])[]): Partitions {
  return Object.freeze(groups.map((group) => Object.freeze([...group])));
}
