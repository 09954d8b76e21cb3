import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';

function usageError(argv: string[]): UsageError {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`parsed without error: ${argv.join(' ')}`);
}

describe('raftlab replay arguments', () => {
  it('takes a file and serves on 127.0.0.1, on a free port unless told', () => {
    expect(parseArgs(['replay', 'session.jsonl'])).toEqual({
      kind: 'replay',
      file: 'session.jsonl',
      serve: { host: '127.0.0.1', port: 0 },
      token: null,
      tokenFile: null,
    });
    expect(parseArgs(['replay', 'a.jsonl', '--serve', '0.0.0.0:8080', '--token-file', 't'])).toMatchObject({
      serve: { host: '0.0.0.0', port: 8080 },
      tokenFile: 't',
    });
    expect(parseArgs(['replay', '--serve=9000', 'a.jsonl'])).toMatchObject({ serve: { port: 9000 } });
  });

  it.each([
    [['replay'], /missing <file>/],
    [['replay', 'a', 'b'], /unexpected argument 'b'/],
    [['replay', 'a', '--serve'], /--serve needs a value/],
    [['replay', 'a', '--serve', 'nope:x'], /--serve/],
    [['replay', 'a', '--fast'], /unknown option '--fast' for 'replay'/],
    [['replay', 'a', '--token', 'x', '--token-file', 'f'], /either --token or --token-file/],
  ])('refuses %j with exit 2 and the replay usage', (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
    expect(error.usage).toMatch(/raftlab replay <file>/);
  });

  it('has its own help', () => {
    expect(parseArgs(['replay', '--help'])).toMatchObject({ kind: 'help', topic: 'replay' });
    expect(parseArgs(['help', 'replay'])).toMatchObject({ kind: 'help', topic: 'replay' });
  });
});

describe('the Figure 8 lessons and the command line', () => {
  // Lessons are switched on only through the control API of a teacher's cluster: no flag of
  // `raftlab node` (or `cluster`) reaches them.
  it.each(['--skip-noop', '--unsafe-commit-by-count', '--lesson'])('raftlab node refuses %s', (flag) => {
    expect(usageError(['node', '127.0.0.1', '5001', "[['127.0.0.1:5001']]", flag]).message).toMatch(/unknown option/);
  });
});
