import { describe, expect, it } from 'vitest';
import { DEFAULT_PARTITIONS, presetPartitions } from '../../shared/config';
import { type CliCommand, parseArgs, UsageError } from './args';
import { DEFAULT_RUN_OPTIONS } from './options';
import { usageText } from './usage';

const SEED_CONFIG = "[['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003', '127.0.0.1:5004', '127.0.0.1:5005']]";

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

const node = (argv: readonly string[]) => as(parseArgs(argv), 'node');
const cluster = (argv: readonly string[]) => as(parseArgs(argv), 'cluster');
const client = (argv: readonly string[]) => as(parseArgs(argv), 'client');

describe('raftlab node', () => {
  it('runs one node of the seed configuration with every default', () => {
    const parsed = node(['node', '127.0.0.1', '5003', SEED_CONFIG]);
    expect(parsed).toEqual({
      kind: 'node',
      id: '127.0.0.1:5003',
      host: '127.0.0.1',
      port: 5003,
      group: 0,
      partitions: DEFAULT_PARTITIONS,
      partitionsSource: { kind: 'text', text: SEED_CONFIG },
      options: DEFAULT_RUN_OPTIONS,
      notes: [],
    });
  });

  it('takes the seed form, without the word node, as the same command', () => {
    const seedForm = parseArgs(['127.0.0.1', '5001', SEED_CONFIG]);
    expect(seedForm).toEqual(parseArgs(['node', '127.0.0.1', '5001', SEED_CONFIG]));
  });

  it("accepts the seed README's trailing 0 and says it ignored it", () => {
    const parsed = node(['127.0.0.1', '5001', SEED_CONFIG, '0']);
    expect(parsed.id).toBe('127.0.0.1:5001');
    expect(parsed.notes).toHaveLength(1);
    expect(parsed.notes[0]).toMatch(/ignoring the '0' after <partitions>/);
  });

  it('finds the group of a node in a sharded configuration', () => {
    const parsed = node(['node', '127.0.0.1', '5008', 'sharded']);
    expect(parsed.group).toBe(2);
    expect(parsed.partitions).toEqual(presetPartitions('sharded'));
    expect(parsed.partitionsSource).toEqual({ kind: 'preset', name: 'sharded' });
  });

  it('reads every option, in either --name value or --name=value form, anywhere among the arguments', () => {
    const parsed = node([
      'node',
      '--data-dir',
      '/tmp/x',
      '127.0.0.1',
      '--election-timeout=1000-2000',
      '5002',
      '--heartbeat',
      '100',
      SEED_CONFIG,
      '--timescale',
      '2.5',
      '--max-value-bytes=4096',
      '--request-timeout',
      '9000',
      '--no-prevote',
      '--no-check-quorum',
      '--quiet',
      '--idle-timeout',
      '300',
      '--max-clients=50',
      '--snapshot-entries',
      '2500',
    ]);
    expect(parsed.options).toEqual({
      dataDir: '/tmp/x',
      inMemory: false,
      electionTimeoutMs: { min: 1000, max: 2000 },
      heartbeatMs: 100,
      timescale: 2.5,
      maxValueBytes: 4096,
      requestTimeoutMs: 9000,
      preVote: false,
      checkQuorum: false,
      quiet: true,
      idleTimeoutSeconds: 300,
      maxClients: 50,
      secretFile: null,
      insecure: false,
      snapshotEntries: 2500,
      ringTokensPerGroup: DEFAULT_RUN_OPTIONS.ringTokensPerGroup,
    });
  });

  it('takes a snapshot every --snapshot-entries N applied entries (default 10000), refusing a non-positive N', () => {
    expect(node(['node', '127.0.0.1', '5001', 'readme']).options.snapshotEntries).toBe(10_000);
    expect(cluster(['cluster', '--snapshot-entries=7']).options.snapshotEntries).toBe(7);
    expect(usageError(['node', '127.0.0.1', '5001', 'readme', '--snapshot-entries', '0']).message).toMatch(
      /--snapshot-entries/,
    );
    expect(usageError(['cluster', '--snapshot-entries', 'lots']).message).toMatch(/--snapshot-entries/);
  });

  it("takes the ring's tokens per group from --ring-tokens, within the ring's bounds", () => {
    expect(node(['node', '127.0.0.1', '5001', 'readme', '--ring-tokens', '16']).options.ringTokensPerGroup).toBe(16);
    expect(cluster(['cluster', '--ring-tokens=16']).options.ringTokensPerGroup).toBe(16);
    expect(() => parseArgs(['node', '127.0.0.1', '5001', 'readme', '--ring-tokens', '0'])).toThrow(
      /^--ring-tokens expects a whole number above 0, not '0'$/,
    );
    expect(() => parseArgs(['cluster', '--ring-tokens', '5000'])).toThrow(
      /^--ring-tokens: the ring's tokens per group must be a whole number from 1 to 4096, not 5000$/,
    );
  });

  it('keeps nothing on disk with --in-memory', () => {
    expect(node(['node', '127.0.0.1', '5001', 'readme', '--in-memory']).options.inMemory).toBe(true);
  });

  it('takes the cluster secret from --secret-file, or none with --insecure, but not both', () => {
    expect(node(['node', '127.0.0.1', '5001', 'readme', '--secret-file', '/etc/s']).options.secretFile).toBe('/etc/s');
    expect(cluster(['cluster', '--secret-file=/etc/s']).options.secretFile).toBe('/etc/s');
    expect(node(['node', '127.0.0.1', '5001', 'readme', '--insecure']).options.insecure).toBe(true);
    expect(usageError(['node', '127.0.0.1', '5001', 'readme', '--insecure', '--secret-file', 'f']).message).toMatch(
      /--secret-file and --insecure contradict each other/,
    );
    expect(usageError(['cluster', '--secret-file=']).message).toMatch(/--secret-file needs a file name/);
  });

  it('takes arguments after -- as positionals', () => {
    expect(node(['node', '--', '127.0.0.1', '5001', 'readme']).id).toBe('127.0.0.1:5001');
  });

  it('accepts a port written with a leading zero as the same port', () => {
    expect(node(['node', '127.0.0.1', '05001', 'readme']).id).toBe('127.0.0.1:5001');
  });

  it('serves a bracketed IPv6 node on the bare host', () => {
    const parsed = node(['node', '[::1]', '7000', "[['[::1]:7000']]"]);
    expect(parsed.id).toBe('[::1]:7000');
    expect(parsed.host).toBe('::1');
  });

  it.each([
    [['node'], /^missing <ip>, <port> and <partitions>$/],
    [['node', '127.0.0.1'], /^missing <port> and <partitions>$/],
    [['127.0.0.1'], /^missing <port> and <partitions>$/],
    [['node', '127.0.0.1', 'http', 'readme'], /^<port>: the port 'http' is not a number from 1 to 65535$/],
    [['node', '127.0.0.1', '0', 'readme'], /the port '0' is not a number from 1 to 65535/],
    [['node', '127.0.0.1', '65536', 'readme'], /the port '65536' is not a number from 1 to 65535/],
    [['node', '127.0.0.1', '-1', 'readme'], /^<port>: the port '-1' is not a number from 1 to 65535$/],
    [
      ['node', '127.0.0.1', '6000', 'readme'],
      /^127\.0\.0\.1:6000 is not in the configuration; <ip> <port> must be one of: 127\.0\.0\.1:5001, 127\.0\.0\.1:5002, 127\.0\.0\.1:5003, 127\.0\.0\.1:5004, 127\.0\.0\.1:5005$/,
    ],
    [['node', 'localhost', '5001', 'readme'], /localhost:5001 is not in the configuration/],
    [['node', '127.0.0.1', '5001', "[['127.0.0.1:5001']"], /^<partitions>: unbalanced brackets/],
    [
      ['node', '127.0.0.1', '5001', "[['127.0.0.1:5001', '127.0.0.1:5001']]"],
      /^<partitions>: address "127\.0\.0\.1:5001" is listed twice/,
    ],
    [['node', '127.0.0.1', '5001', 'huge'], /^<partitions>: expected '\[' to open the list of groups, found "huge"/],
    [['node', '127.0.0.1', '5001', 'readme', 'x'], /^unexpected argument 'x' after <partitions>$/],
    [['node', '127.0.0.1', '5001', 'readme', '0', '1'], /^unexpected argument '1'$/],
    [['node', '127.0.0.1', '5001', 'readme', '--bogus'], /^unknown option '--bogus' for 'node'$/],
    [['node', '127.0.0.1', '5001', 'readme', '-x'], /^unknown option '-x' for 'node'$/],
    [
      ['node', '127.0.0.1', '5001', 'readme', '--serve', '0'],
      /^unknown option '--serve' for 'node' \(it belongs to 'cluster'\)$/,
    ],
    [['node', '127.0.0.1', '5001', 'readme', '--heartbeat'], /^--heartbeat needs a value: --heartbeat MS$/],
    [['node', '127.0.0.1', '5001', 'readme', '--data-dir', '--quiet'], /^--data-dir needs a value: --data-dir DIR$/],
    [['node', '127.0.0.1', '5001', 'readme', '--data-dir='], /^--data-dir needs a folder name$/],
    [['node', '127.0.0.1', '5001', 'readme', '--quiet=yes'], /^--quiet takes no value, but was given 'yes'$/],
    [
      ['node', '127.0.0.1', '5001', 'readme', '--heartbeat', '10', '--heartbeat', '20'],
      /^--heartbeat is given more than once$/,
    ],
    [
      ['node', '127.0.0.1', '5001', 'readme', '--in-memory', '--data-dir', 'd'],
      /^--data-dir and --in-memory contradict/,
    ],
  ])('refuses %j: %s', (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
    expect(error.topic).toBe('node');
    expect(error.usage).toBe(usageText('node'));
  });
});

describe('timing and limit options', () => {
  const withOptions = (...options: string[]) => ['node', '127.0.0.1', '5001', 'readme', ...options];

  it.each([
    [['--election-timeout', '300-150'], /^--election-timeout: MIN \(300\) must be less than MAX \(150\)/],
    [['--election-timeout', '200-200'], /^--election-timeout: MIN \(200\) must be less than MAX \(200\)/],
    [['--election-timeout', '0-100'], /^--election-timeout MIN expects a whole number above 0, not '0'/],
    [['--election-timeout', '150'], /^--election-timeout expects MIN-MAX in milliseconds, e\.g\. 150-300, not '150'$/],
    [['--election-timeout', '150-300ms'], /expects MIN-MAX in milliseconds/],
    [['--election-timeout', '-5-10'], /expects MIN-MAX in milliseconds/],
    [['--heartbeat', '0'], /^--heartbeat expects a whole number above 0, not '0'$/],
    [['--heartbeat', '-5'], /^--heartbeat expects a whole number above 0, not '-5'$/],
    [['--heartbeat', '2.5'], /^--heartbeat expects a whole number above 0, not '2\.5'$/],
    [['--heartbeat', '150'], /^--heartbeat \(150 ms\) must be less than the election timeout's minimum \(150 ms\)/],
    [['--heartbeat', '60', '--election-timeout', '50-100'], /^--heartbeat \(60 ms\) must be less than .* \(50 ms\)/],
    [['--timescale', '0'], /^--timescale expects a number above 0, e\.g\. 10 for ten times slower, not '0'$/],
    [['--timescale', '-1'], /^--timescale expects a number above 0/],
    [['--timescale', 'fast'], /^--timescale expects a number above 0.*not 'fast'$/],
    [['--timescale', 'Infinity'], /^--timescale expects a number above 0/],
    [['--timescale', '1e400'], /^--timescale expects a number above 0/],
    [['--max-value-bytes', '0'], /^--max-value-bytes expects a whole number above 0, not '0'$/],
    [['--max-value-bytes', '1MiB'], /^--max-value-bytes expects a whole number above 0, not '1MiB'$/],
    [['--max-value-bytes', '999999999999'], /^--max-value-bytes 999999999999 is above the limit of 536870912/],
    [['--request-timeout', '0'], /^--request-timeout expects a whole number above 0, not '0'$/],
    [['--request-timeout', '99999999999999999999'], /^--request-timeout expects a whole number above 0/],
    [['--idle-timeout', '-1'], /^--idle-timeout expects whole seconds from 0 \(never\) to 2147483, not '-1'$/],
    [['--idle-timeout', '1.5'], /^--idle-timeout expects whole seconds from 0 \(never\) to 2147483, not '1\.5'$/],
    [['--idle-timeout', '2147484'], /^--idle-timeout expects whole seconds/],
    [['--max-clients', '0'], /^--max-clients expects a whole number above 0, not '0'$/],
    [['--max-clients', 'many'], /^--max-clients expects a whole number above 0, not 'many'$/],
  ])('refuses %j: %s', (options, message) => {
    expect(usageError(withOptions(...options)).message).toMatch(message);
  });

  it.each([
    [['--timescale', '0.25'], 0.25],
    [['--timescale', '.5'], 0.5],
    [['--timescale', '10'], 10],
    [['--timescale', '3.'], 3],
  ])('accepts the timescale %j', (options, expected) => {
    expect(node(withOptions(...options)).options.timescale).toBe(expected);
  });

  it('accepts a heartbeat just below a custom election minimum', () => {
    const parsed = node(withOptions('--election-timeout', '1000-1500', '--heartbeat', '999'));
    expect(parsed.options.heartbeatMs).toBe(999);
    expect(parsed.options.electionTimeoutMs).toEqual({ min: 1000, max: 1500 });
  });
});

describe('raftlab cluster', () => {
  it('runs the default configuration with every default and no dashboard', () => {
    expect(cluster(['cluster'])).toEqual({
      kind: 'cluster',
      partitions: DEFAULT_PARTITIONS,
      partitionsSource: { kind: 'default' },
      serve: null,
      token: null,
      tokenFile: null,
      allowHosts: [],
      paused: false,
      options: DEFAULT_RUN_OPTIONS,
      notes: [],
    });
  });

  it('takes --paused, to start with the clock paused for staging', () => {
    expect(cluster(['cluster', '--paused']).paused).toBe(true);
    expect(() => parseArgs(['node', '127.0.0.1', '5001', 'readme', '--paused'])).toThrow(/belongs to 'cluster'/);
  });

  it('takes a preset by name', () => {
    const parsed = cluster(['cluster', '--preset', 'sharded']);
    expect(parsed.partitions).toEqual(presetPartitions('sharded'));
    expect(parsed.partitionsSource).toEqual({ kind: 'preset', name: 'sharded' });
  });

  it('takes a configuration text', () => {
    const parsed = cluster(['cluster', '--partitions', '[["10.0.0.1:1", "10.0.0.2:2"], ["10.0.0.3:3"]]']);
    expect(parsed.partitions).toEqual([['10.0.0.1:1', '10.0.0.2:2'], ['10.0.0.3:3']]);
    expect(parsed.partitionsSource.kind).toBe('text');
  });

  it.each([
    ['0', { host: '127.0.0.1', port: 0 }],
    ['8080', { host: '127.0.0.1', port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080 }],
    ['localhost:9000', { host: 'localhost', port: 9000 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
  ])('serves the dashboard on --serve %s', (serve, expected) => {
    expect(cluster(['cluster', '--serve', serve]).serve).toEqual(expected);
  });

  it('takes a token with --serve, and the run options', () => {
    const parsed = cluster(['cluster', '--serve=0', '--token', 's3cret-T0ken', '--in-memory', '--timescale', '10']);
    expect(parsed.token).toBe('s3cret-T0ken');
    expect(parsed.options.inMemory).toBe(true);
    expect(parsed.options.timescale).toBe(10);
  });

  it('takes a token file and any number of --allow-host names', () => {
    const parsed = cluster([
      'cluster',
      '--serve',
      '0.0.0.0:8080',
      '--token-file',
      '/run/raftlab.token',
      '--allow-host',
      'teacher.local',
      '--allow-host=raftlab.school.example',
    ]);
    expect(parsed.tokenFile).toBe('/run/raftlab.token');
    expect(parsed.token).toBeNull();
    expect(parsed.allowHosts).toEqual(['teacher.local', 'raftlab.school.example']);
  });

  it.each([
    [['cluster', '--partitions', 'readme', '--preset', 'readme'], /^give either --partitions or --preset, not both$/],
    [['cluster', '--preset', 'huge'], /^--preset: unknown preset 'huge'; the presets are: readme, sharded$/],
    [['cluster', '--partitions', '[]'], /^--partitions: the list of groups is empty/],
    [['cluster', '--partitions', 'readme'], /^--partitions: expected '\[' to open the list of groups/],
    [['cluster', '--partitions', "[['a:1'], []]"], /^--partitions: group 1 is empty/],
    [['cluster', SEED_CONFIG], /^unexpected argument .* \(give a configuration as --partitions CFG\)$/],
    [['cluster', 'extra'], /^unexpected argument 'extra'$/],
    [['cluster', '--serve', '65536'], /^--serve: the port '65536' is not a number from 0 to 65535$/],
    [['cluster', '--serve', 'host:'], /^--serve: the port '' is not a number from 0 to 65535$/],
    [['cluster', '--serve', 'localhost'], /^--serve: 'localhost' is not HOST:PORT or PORT/],
    [
      ['cluster', '--serve', '::1:80'],
      /^--serve: '::1:80' is not HOST:PORT or PORT \(an IPv6 host goes in brackets\)$/,
    ],
    [['cluster', '--serve', ':8080'], /^--serve: the host is missing$/],
    [['cluster', '--serve', '300.0.0.1:80'], /^--serve: "300\.0\.0\.1" is not an IPv4 address$/],
    [['cluster', '--serve', 'bad host:80'], /^--serve: "bad host" is not a host name/],
    [['cluster', '--token', 'abc'], /^--token needs --serve/],
    [['cluster', '--serve', '0', '--token', 'has space'], /^--token must be 1 to 256 visible ASCII characters/],
    [['cluster', '--serve', '0', '--token='], /^--token must be 1 to 256 visible ASCII characters/],
    [['cluster', '--serve', '0', '--token', 'x'.repeat(257)], /^--token must be 1 to 256/],
    [['cluster', '--token-file', 't'], /^--token-file needs --serve/],
    [['cluster', '--serve', '0', '--token', 'a', '--token-file', 't'], /^give either --token or --token-file/],
    [['cluster', '--serve', '0', '--token-file='], /^--token-file needs a file name$/],
    [['cluster', '--allow-host', 'teacher.local'], /^--allow-host needs --serve/],
    [['cluster', '--serve', '0', '--allow-host', '10.0.0.1'], /^--allow-host: '10\.0\.0\.1' is an IP address/],
    [['cluster', '--serve', '0', '--allow-host', 'a.example:80'], /^--allow-host: 'a\.example:80' holds a port/],
    [['cluster', '--serve', '0', '--allow-host', 'bad_name'], /^--allow-host: 'bad_name' is not a host name/],
    [['cluster', '--serve', '0', '--allow-host'], /^--allow-host needs a value: --allow-host NAME$/],
    [['cluster', '--unknown'], /^unknown option '--unknown' for 'cluster'$/],
    [['cluster', '--election-timeout', '10-5'], /^--election-timeout: MIN \(10\) must be less than MAX \(5\)/],
    [['cluster', '--serve'], /^--serve needs a value: --serve \[HOST:\]PORT$/],
  ])('refuses %j: %s', (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toMatch(message);
    expect(error.topic).toBe('cluster');
    expect(error.exitCode).toBe(2);
  });
});

describe('raftlab client', () => {
  it('sends one command, its words as typed', () => {
    expect(client(['client', '127.0.0.1:5001', 'SET', 'color', 'blue'])).toEqual({
      kind: 'client',
      target: { host: '127.0.0.1', port: 5001 },
      command: ['SET', 'color', 'blue'],
    });
  });

  it('opens the prompt when no command is given', () => {
    expect(client(['client', 'localhost:5002']).command).toEqual([]);
  });

  it('takes a bare port as 127.0.0.1', () => {
    expect(client(['client', '5001', 'PING']).target).toEqual({ host: '127.0.0.1', port: 5001 });
  });

  it('never reads the command words as options', () => {
    expect(client(['client', '127.0.0.1:5001', 'SET', 'n', '-1']).command).toEqual(['SET', 'n', '-1']);
    expect(client(['client', '127.0.0.1:5001', 'SET', 'k', '--help']).command).toEqual(['SET', 'k', '--help']);
    expect(client(['client', '--', '127.0.0.1:5001', 'GET', 'k']).command).toEqual(['GET', 'k']);
  });

  it.each([
    [['client'], /^missing <host:port> of the node to talk to$/],
    [['client', '--verbose', '127.0.0.1:5001'], /^unknown option '--verbose' for 'client'$/],
    [['client', '127.0.0.1:0'], /^<host:port>: the port '0' is not a number from 1 to 65535$/],
    [['client', '127.0.0.1'], /^<host:port>: '127\.0\.0\.1' is not HOST:PORT or PORT/],
    [['client', 'host:port'], /^<host:port>: the port 'port' is not a number/],
  ])('refuses %j: %s', (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toMatch(message);
    expect(error.topic).toBe('client');
  });
});

describe('--help', () => {
  it.each([
    [['--help'], 'main'],
    [['-h'], 'main'],
    [['help'], 'main'],
    [['help', 'node'], 'node'],
    [['help', 'cluster'], 'cluster'],
    [['help', 'client'], 'client'],
    [['node', '--help'], 'node'],
    [['node', '127.0.0.1', '-h'], 'node'],
    [['127.0.0.1', '5001', 'readme', '--help'], 'node'],
    // Help wins over a mistake elsewhere on the line: asking for help is never an error.
    [['node', '127.0.0.1', '9', 'readme', '--bogus-is-later', '--help'], 'node'],
    [['cluster', '--help'], 'cluster'],
    [['cluster', '--preset', 'huge', '-h'], 'cluster'],
    [['client', '--help'], 'client'],
    [['client', '-h', '127.0.0.1:5001'], 'client'],
  ])('%j shows the %s help', (argv, topic) => {
    const result = as(parseArgs(argv), 'help');
    expect(result.topic).toBe(topic);
    expect(result.text).toBe(usageText(result.topic));
  });

  it('refuses help on an unknown topic', () => {
    expect(usageError(['help', 'server']).message).toBe(
      "no help for 'server'; the commands are node, cluster, client, admin, replay",
    );
    expect(usageError(['help', 'node', 'x']).message).toBe("unexpected argument 'x' after 'help node'");
  });
});

describe('the command itself', () => {
  it.each([
    [[], /^missing command: say node, cluster or client$/],
    [['start'], /^unknown command 'start'; the commands are node, cluster, client, admin, replay \(or the seed's form/],
    [['--in-memory', 'cluster'], /^unknown option '--in-memory' before the command; options go after it$/],
  ])('refuses %j: %s', (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toMatch(message);
    expect(error.topic).toBe('main');
    expect(error.usage).toBe(usageText('main'));
  });
});

describe('usage texts', () => {
  const runOptions = [
    '--data-dir',
    '--in-memory',
    '--election-timeout',
    '--heartbeat',
    '--timescale',
    '--max-value-bytes',
    '--request-timeout',
    '--no-prevote',
    '--no-check-quorum',
    '--quiet',
    '--idle-timeout',
    '--max-clients',
    '--help',
  ];

  it.each(['node', 'cluster'] as const)('the %s help names every option it accepts and its defaults', (topic) => {
    const text = usageText(topic);
    for (const option of runOptions) expect(text).toContain(option);
    expect(text).toContain('./raftlab-data');
    expect(text).toContain('150-300');
    expect(text).toContain('default 50');
    expect(text).toContain('1048576');
    expect(text).toContain('5000');
    expect(text).toContain('default 0: never');
    expect(text).toContain('default 10000');
  });

  it('the cluster help names its own options and the presets', () => {
    const text = usageText('cluster');
    for (const word of ['--partitions', '--preset', '--serve', '--token', 'readme', 'sharded', 'RAFTLAB_TOKEN']) {
      expect(text).toContain(word);
    }
    expect(text).toContain('--token-file FILE');
    expect(text).toContain('--allow-host NAME');
    expect(text).toMatch(/--token TOKEN [^\n]*'ps'/);
  });

  it('every example in the help parses', () => {
    for (const topic of ['main', 'node', 'cluster', 'client'] as const) {
      const examples = usageText(topic)
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('raftlab ') && !/[<[]/.test(line.replace(/"[^"]*"/g, '')));
      expect(examples.length, topic).toBeGreaterThan(0);
      for (const example of examples) {
        const argv = splitShellWords(example).slice(1);
        expect(() => parseArgs(argv), example).not.toThrow();
      }
    }
  });
});

/** Enough of a shell's word splitting for the examples: spaces, and double quotes. */
function splitShellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2]!);
  return words;
}
