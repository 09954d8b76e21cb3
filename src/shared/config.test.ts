import { describe, expect, it } from 'vitest';
import {
  addressProblem,
  allNodes,
  ConfigError,
  clusterIdOf,
  DEFAULT_PARTITIONS,
  formatPartitions,
  groupIndexOf,
  isPresetName,
  MAX_CONFIG_CHARS,
  type Partitions,
  PRESET_NAMES,
  parsePartitions,
  presetPartitions,
  requireGroupOf,
} from './config';
import { SeededRandom } from './random';

const SEED_EXAMPLE = "[['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003', '127.0.0.1:5004', '127.0.0.1:5005']]";
const TWO_GROUPS = [
  ['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003'],
  ['127.0.0.1:5004', '127.0.0.1:5005', '127.0.0.1:5006'],
];

function rejection(text: string): ConfigError {
  try {
    parsePartitions(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parsePartitions accepts', () => {
  it.each([
    ['the seed README example', SEED_EXAMPLE, [DEFAULT_PARTITIONS[0]]],
    [
      'the contract example with single quotes',
      "[['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003'], ['127.0.0.1:5004', '127.0.0.1:5005', '127.0.0.1:5006']]",
      TWO_GROUPS,
    ],
    ['JSON', JSON.stringify(TWO_GROUPS), TWO_GROUPS],
    ['pretty-printed JSON with newlines', JSON.stringify(TWO_GROUPS, null, 2), TWO_GROUPS],
    ['mixed quotes', `[['127.0.0.1:5001', "127.0.0.1:5002"]]`, [['127.0.0.1:5001', '127.0.0.1:5002']]],
    ['tabs, CRLF and no spaces at all', "\t[\r\n['a:1',\t'b:2'\r\n],['c:3']\n]\n", [['a:1', 'b:2'], ['c:3']]],
    ['unicode spaces and a byte-order mark', "\ufeff[\u00a0['a:1']\u2003]", [['a:1']]],
    ["Python's trailing commas", "[['a:1', 'b:2',], ['c:3'],]", [['a:1', 'b:2'], ['c:3']]],
    [
      'host names, IPv4 and bracketed IPv6',
      "[['localhost:1', 'node-2.lab.example:65535', '[::1]:7', '10.0.0.255:80']]",
      [['localhost:1', 'node-2.lab.example:65535', '[::1]:7', '10.0.0.255:80']],
    ],
    [
      'JSON escapes that spell a plain address',
      '[["127.0.0.1\\u003a5001", "b\\u002d2:1"]]',
      [['127.0.0.1:5001', 'b-2:1']],
    ],
    ['a group of one', "[['127.0.0.1:5001']]", [['127.0.0.1:5001']]],
  ])('%s', (_name, text, expected) => {
    expect(parsePartitions(text)).toEqual(expected);
  });

  it('returns frozen lists, so no holder can change another holder’s configuration', () => {
    const partitions = parsePartitions(SEED_EXAMPLE);
    expect(Object.isFrozen(partitions)).toBe(true);
    expect(Object.isFrozen(partitions[0])).toBe(true);
    expect(Object.isFrozen(DEFAULT_PARTITIONS[0])).toBe(true);
  });
});

describe('parsePartitions rejects, naming the bad item', () => {
  it.each([
    ['empty text', '', /the configuration is empty/],
    ['only whitespace', ' \n\t ', /the configuration is empty/],
    ['an empty list', '[]', /the list of groups is empty/],
    ['an empty first group', '[[]]', /^group 0 is empty \(at column 2\)/],
    ['an empty second group', "[['a:1'], []]", /^group 1 is empty \(at column 11\)/],
    [
      'an address without a port',
      "[['127.0.0.1']]",
      /address "127\.0\.0\.1" \(group 0, item 0, at column 3\) is not host:port: it has no ':port'/,
    ],
    ['an address without a host', "[[':5001']]", /address ":5001" .* the host is missing/],
    ['an empty port', "[['a:']]", /address "a:" .* the port is missing/],
    ['a port that is not a number', "[['a:http']]", /address "a:http" .* the port "http" is not a number/],
    ['a negative port', "[['a:-1']]", /address "a:-1" .* the port "-1" is not a number/],
    ['port 0', "[['a:1', 'a:0']]", /address "a:0" \(group 0, item 1, at column 10\) has port 0, outside 1\.\.65535/],
    ['port 65536', "[['127.0.0.1:65536']]", /address "127\.0\.0\.1:65536" .* has port 65536, outside 1\.\.65535/],
    ['a huge port', "[['a:99999999999999999999']]", /has port 99999999999999999999, outside 1\.\.65535/],
    ['a port with a leading zero', "[['a:05001']]", /address "a:05001" .* leading zero; write 5001/],
    ['an IPv4 octet over 255', "[['127.0.0.256:1']]", /"127\.0\.0\.256" is not an IPv4 address/],
    ['a three-part IPv4 address', "[['127.0.1:1']]", /"127\.0\.1" is not an IPv4 address/],
    ['an unbracketed IPv6 address', "[['::1:5001']]", /write an IPv6 host in brackets/],
    ['a bad bracketed host', "[['[zz]:1']]", /"\[zz\]" is not an IPv6 address/],
    ['spaces inside an address', "[[' 127.0.0.1:5001']]", /address " 127\.0\.0\.1:5001" .* is not a host name/],
    ['an underscore in a host name', "[['my_host:1']]", /"my_host" is not a host name/],
    [
      'an address listed twice in one group',
      "[['a:1', 'b:2', 'a:1']]",
      /address "a:1" is listed twice: as group 0, item 0 and as group 0, item 2 \(at column 17\)/,
    ],
    [
      'an address listed twice across groups',
      "[['a:1', 'b:2'], ['c:3', 'b:2']]",
      /address "b:2" is listed twice: as group 0, item 1 and as group 1, item 1/,
    ],
    ['the same host in another case', "[['Node:1'], ['node:1']]", /address "node:1" is listed twice/],
    [
      'a missing closing bracket of the list',
      "[['a:1']",
      /unbalanced brackets: the list of groups opened at column 1 is not closed/,
    ],
    [
      'a missing closing bracket of a group',
      "[['a:1'",
      /unbalanced brackets: group 0, opened at column 2, is not closed/,
    ],
    [
      'a missing closing bracket after a comma',
      "[['a:1'], ",
      /unbalanced brackets: the list of groups .* is not closed/,
    ],
    [
      'one closing bracket too many',
      "[['a:1']]]",
      /unbalanced brackets: a '\]' more than the '\[' before it \(at column 10\)/,
    ],
    [
      'trailing text',
      "[['a:1']] 0",
      /unexpected text after the closing '\]' of the list of groups: "0" \(at column 11\)/,
    ],
    ['a second list after the first', "[['a:1']][['b:2']]", /unexpected text after the closing '\]'.*'\['/],
    ['a number item', '[[5001]]', /item 0 of group 0 is not a quoted string: found "5001"/],
    ['a bare word item', "[['a:1', localhost]]", /item 1 of group 0 is not a quoted string: found "localhost"/],
    ['a Python None', '[[None]]', /item 0 of group 0 is not a quoted string: found "None"/],
    ['a list nested too deep', "[[['a:1']]]", /item 0 of group 0 is a list/],
    ['a flat list of addresses', "['a:1', 'b:2']", /group 0 is not a list: found the string "a:1"/],
    ['a number as a group', '[5]', /group 0 is not a list: found "5"/],
    ['a tuple', "(('a:1',),)", /expected '\[' to open the list of groups, found "\(\("/],
    ['a JSON object', '{"groups": []}', /expected '\[' to open the list of groups/],
    ['an unterminated string', "[['a:1]]", /unterminated string starting at column 3: missing its closing '/],
    ['a string broken by a newline', "[['a:1\n']]", /unterminated string starting at line 1, column 3/],
    ['an unknown escape', "[['a\\x41:1']]", /unsupported escape '\\x'/],
    [
      'two items without a comma',
      "[['a:1' 'b:2']]",
      /expected ',' or '\]' after item 0 of group 0, found the string "b:2"/,
    ],
    ['two groups without a comma', "[['a:1'] ['b:2']]", /expected ',' or '\]' after group 0, found '\['/],
    ['an empty item', "[['a:1',, 'b:2']]", /unexpected ',' in group 0 where item 1 should be/],
    ['a leading comma', "[, ['a:1']]", /unexpected ',' where group 0 should start/],
    ['code', "__import__('os').system('rm -rf /')", /expected '\[' to open the list of groups, found "__import__\("/],
  ])('%s', (_name, text, message) => {
    const error = rejection(text);
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
    expect(error.name).toBe('ConfigError');
  });

  it('names the line and column once the text has several lines', () => {
    expect(rejection("[\n  ['a:1'],\n  ['b:2', 'a:1']\n]").message).toMatch(/\(at line 3, column 11\)/);
  });

  it('reads a double quote inside a single-quoted string as a character, not a delimiter', () => {
    // A quote-swapping shortcut into JSON.parse would break the string apart here.
    expect(rejection(`[['a"b:1']]`).message).toMatch(/address "a\\"b:1" .* is not a host name/);
  });

  it('refuses text longer than the limit before reading it', () => {
    expect(rejection(`[['a:1']]${' '.repeat(MAX_CONFIG_CHARS)}`).message).toMatch(/the limit is 65536/);
  });

  it('shortens a very long bad item in the message', () => {
    const message = rejection(`[[${'x'.repeat(10_000)}]]`).message;
    expect(message.length).toBeLessThan(300);
    expect(message).toContain('…');
  });
});

describe('parsePartitions under random input', () => {
  const alphabet = ['[', ']', ',', "'", '"', '\\', ':', '.', ' ', '\n', '1', '5', '0', 'a', 'u', '\u00e9', '\ud83d'];

  function checkOutcome(text: string): 'accepted' | 'rejected' {
    let result: Partitions;
    try {
      result = parsePartitions(text);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw new Error(`${JSON.stringify(text)} threw ${String(error)}`);
      expect(error.message.length).toBeGreaterThan(0);
      return 'rejected';
    }
    // Whatever is accepted must be a valid configuration that reads back the same.
    expect(result.length).toBeGreaterThan(0);
    const nodes = allNodes(result);
    expect(new Set(nodes.map((n) => n.toLowerCase())).size).toBe(nodes.length);
    expect(nodes.every((n) => addressProblem(n) === null)).toBe(true);
    expect(parsePartitions(formatPartitions(result))).toEqual(result);
    return 'accepted';
  }

  it('never throws anything but ConfigError on garbage', () => {
    const random = new SeededRandom(99);
    for (let i = 0; i < 5000; i++) {
      const length = random.nextInt(40);
      const text = Array.from({ length }, () => alphabet[random.nextInt(alphabet.length)]).join('');
      checkOutcome(text);
    }
  });

  it('never throws anything but ConfigError on a valid configuration with one character changed', () => {
    const random = new SeededRandom(5);
    const valid = formatPartitions(presetPartitions('sharded'));
    const outcomes = { accepted: 0, rejected: 0 };
    for (let i = 0; i < 3000; i++) {
      const at = random.nextInt(valid.length);
      const replacement = alphabet[random.nextInt(alphabet.length)]!;
      const mode = random.nextInt(3);
      const text =
        mode === 0
          ? valid.slice(0, at) + valid.slice(at + 1)
          : mode === 1
            ? valid.slice(0, at) + replacement + valid.slice(at)
            : valid.slice(0, at) + replacement + valid.slice(at + 1);
      outcomes[checkOutcome(text)]++;
    }
    // Both branches are exercised: some mutations stay valid (a digit for a digit), most do not.
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});

describe('presets and the default', () => {
  it('makes the seed README example the default: one group of five on 5001..5005', () => {
    expect(DEFAULT_PARTITIONS).toEqual([
      ['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003', '127.0.0.1:5004', '127.0.0.1:5005'],
    ]);
    expect(presetPartitions('readme')).toEqual(DEFAULT_PARTITIONS);
  });

  it('makes sharded three groups of three on 5001..5009', () => {
    expect(presetPartitions('sharded')).toEqual([
      ['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003'],
      ['127.0.0.1:5004', '127.0.0.1:5005', '127.0.0.1:5006'],
      ['127.0.0.1:5007', '127.0.0.1:5008', '127.0.0.1:5009'],
    ]);
  });

  it('names the presets when asked for an unknown one', () => {
    expect(() => presetPartitions('huge')).toThrow(/unknown preset 'huge'; the presets are: readme, sharded/);
    expect(PRESET_NAMES.every(isPresetName)).toBe(true);
    expect(isPresetName('huge')).toBe(false);
  });
});

describe('formatPartitions', () => {
  it('writes the seed form, which parses back to the same configuration', () => {
    expect(formatPartitions(DEFAULT_PARTITIONS)).toBe(SEED_EXAMPLE);
    for (const name of PRESET_NAMES) {
      const partitions = presetPartitions(name);
      expect(parsePartitions(formatPartitions(partitions))).toEqual(partitions);
    }
  });
});

describe('node lookups', () => {
  const sharded = presetPartitions('sharded');

  it('finds the group that lists a node', () => {
    expect(groupIndexOf(sharded, '127.0.0.1:5001')).toBe(0);
    expect(groupIndexOf(sharded, '127.0.0.1:5005')).toBe(1);
    expect(groupIndexOf(sharded, '127.0.0.1:5009')).toBe(2);
    expect(groupIndexOf(sharded, '127.0.0.1:5010')).toBeUndefined();
    expect(requireGroupOf(sharded, '127.0.0.1:5008')).toBe(2);
  });

  it('lists the valid addresses when a node is not configured', () => {
    expect(() => requireGroupOf(DEFAULT_PARTITIONS, '127.0.0.1:6000')).toThrow(
      '127.0.0.1:6000 is not in the configuration; the configured addresses are: ' +
        '127.0.0.1:5001, 127.0.0.1:5002, 127.0.0.1:5003, 127.0.0.1:5004, 127.0.0.1:5005',
    );
  });

  it('lists every node in group order', () => {
    expect(allNodes(sharded)).toHaveLength(9);
    expect(allNodes(sharded)[3]).toBe('127.0.0.1:5004');
  });
});

describe('clusterIdOf', () => {
  it('is the same however the text is written and whatever the order within a group', () => {
    const a = parsePartitions("[['a:1', 'b:2'], ['c:3']]");
    const b = parsePartitions('[ ["b:2","a:1"] , ["c:3"] ]');
    expect(clusterIdOf(a)).toBe(clusterIdOf(b));
    expect(clusterIdOf(a)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs when groups are reordered, regrouped, or a node changes', () => {
    const ids = new Set(
      [
        "[['a:1', 'b:2'], ['c:3']]",
        "[['c:3'], ['a:1', 'b:2']]",
        "[['a:1'], ['b:2', 'c:3']]",
        "[['a:1', 'b:2', 'c:3']]",
        "[['a:1', 'b:2'], ['c:4']]",
      ].map((text) => clusterIdOf(parsePartitions(text))),
    );
    expect(ids.size).toBe(5);
  });

  it('tells the presets apart', () => {
    expect(clusterIdOf(presetPartitions('readme'))).not.toBe(clusterIdOf(presetPartitions('sharded')));
  });
});
