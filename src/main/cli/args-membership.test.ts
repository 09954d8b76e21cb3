// The membership forms of the command line: `node ... --join`, a joined node's restart, `admin`.
import { describe, expect, it } from 'vitest';
import { type CliCommand, parseArgs, UsageError } from './args';
import { DEFAULT_RUN_OPTIONS } from './options';
import { usageText } from './usage';

function usageError(argv: readonly string[]): UsageError {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

function as<K extends CliCommand['kind']>(command: CliCommand, kind: K): Extract<CliCommand, { kind: K }> {
  expect(command.kind).toBe(kind);
  return command as Extract<CliCommand, { kind: K }>;
}

describe('raftlab node --join', () => {
  it('joins through a member, into the group asked for', () => {
    const parsed = as(parseArgs(['node', '127.0.0.1', '5004', '--join', '127.0.0.1:5001', '--group', '1']), 'join');
    expect(parsed).toEqual({
      kind: 'join',
      id: '127.0.0.1:5004',
      host: '127.0.0.1',
      port: 5004,
      target: { host: '127.0.0.1', port: 5001 },
      group: 1,
      options: DEFAULT_RUN_OPTIONS,
      notes: [],
    });
  });

  it('restarts a joined node from its folder when given neither <partitions> nor --join', () => {
    const parsed = as(parseArgs(['node', '127.0.0.1', '5004', '--data-dir', '/tmp/x']), 'join');
    expect(parsed.target).toBeNull();
    expect(parsed.group).toBeNull();
    expect(parsed.options.dataDir).toBe('/tmp/x');
  });

  it.each([
    [['node', '127.0.0.1', '5004', 'readme', '--join', '127.0.0.1:5001'], /give either <partitions> or --join/],
    [['node', '127.0.0.1', '5004', '--group', '1'], /^--group needs --join$/],
    [['node', '127.0.0.1', '5004', '--join', '127.0.0.1:5001', '--group', 'x'], /--group expects a group number/],
    [['node', '127.0.0.1', '5004', '--join', '127.0.0.1:http'], /--join: the port 'http' is not a number/],
    [['node', '127.0.0.1', '5004', '--join'], /--join needs a value/],
  ])('refuses %j', (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
  });
});

describe('raftlab admin', () => {
  it('lists the members, as a table or as JSON', () => {
    expect(as(parseArgs(['admin', '127.0.0.1:5001', 'members']), 'admin')).toEqual({
      kind: 'admin',
      target: { host: '127.0.0.1', port: 5001 },
      action: { kind: 'members', json: false },
    });
    expect(as(parseArgs(['admin', '5001', 'members', '--json']), 'admin').action).toEqual({
      kind: 'members',
      json: true,
    });
  });

  it('removes a node', () => {
    expect(as(parseArgs(['admin', '127.0.0.1:5001', 'remove-node', '127.0.0.1:5003']), 'admin').action).toEqual({
      kind: 'remove-node',
      node: '127.0.0.1:5003',
    });
  });

  it('shows its help', () => {
    const help = as(parseArgs(['admin', '--help']), 'help');
    expect(help.topic).toBe('admin');
    expect(help.text).toContain('remove-node <ip:port>');
    expect(as(parseArgs(['help', 'admin']), 'help').topic).toBe('admin');
  });

  it.each([
    [['admin'], /^missing <host:port>/],
    [['admin', '127.0.0.1:5001'], /^missing the action: one of members, remove-node, add-group and remove-group$/],
    [['admin', '127.0.0.1:5001', 'add-node'], /^unknown admin action 'add-node'/],
    [['admin', '127.0.0.1:5001', 'remove-node'], /needs the <ip:port>/],
    [['admin', '127.0.0.1:5001', 'remove-node', 'nohost'], /^remove-node: 'nohost' is not host:port/],
    [['admin', '127.0.0.1:5001', 'remove-node', '127.0.0.1:5003', 'x'], /unexpected argument 'x'/],
    [['admin', '127.0.0.1:5001', 'members', '--yaml'], /unexpected argument '--yaml'/],
  ])('refuses %j', (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toMatch(message);
    expect(error.usage).toBe(usageText('admin'));
  });
});
