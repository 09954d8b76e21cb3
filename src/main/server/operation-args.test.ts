import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import { checkOperationArgs } from './operation-args';

function rejection(action: () => unknown): ApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('checkOperationArgs', () => {
  it('passes well-formed arguments through with their types', () => {
    expect(checkOperationArgs('kill', ['127.0.0.1:5001'])).toEqual(['127.0.0.1:5001']);
    expect(checkOperationArgs('setClock', [{ paused: true }])).toEqual([{ paused: true }]);
    expect(checkOperationArgs('setNetwork', [{}])).toEqual([{}]);
    expect(checkOperationArgs('heal', [])).toEqual([]);
  });

  it('upper-cases the kv op and ignores an empty via', () => {
    expect(checkOperationArgs('kv', [{ op: 'get', key: 'k', via: '' }])).toEqual([{ op: 'GET', key: 'k' }]);
  });

  it('accepts a configuration given as JSON lists as well as text', () => {
    expect(checkOperationArgs('reconfigure', [[['127.0.0.1:6001']]])).toEqual(['[["127.0.0.1:6001"]]']);
  });

  it('rejects a missing node id as a 400 naming the argument', () => {
    const error = rejection(() => checkOperationArgs('restart', []));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/'node'/);
  });

  it('rejects fields the operation does not know, naming the expected ones', () => {
    const error = rejection(() => checkOperationArgs('setRaftOptions', [{ prevote: true }]));
    expect(error.message).toBe("unknown field 'prevote' (expected 'preVote', 'checkQuorum')");
  });

  it('rejects a latency range that is not two numbers', () => {
    expect(rejection(() => checkOperationArgs('setNetwork', [{ latencyMs: [1, 'x'] }])).message).toMatch(
      /'latencyMs\[1\]'/,
    );
    expect(rejection(() => checkOperationArgs('setNetwork', [{ latencyMs: [1, 2, 3] }])).message).toMatch(
      /'latencyMs'/,
    );
  });

  it('rejects a non-number timescale', () => {
    expect(rejection(() => checkOperationArgs('setClock', [{ timescale: 'slow' }])).message).toMatch(/'timescale'/);
  });
});

describe('changeMembers arguments', () => {
  it('takes the group from the path and one of add or remove', () => {
    expect(checkOperationArgs('changeMembers', ['2', { remove: '127.0.0.1:5003' }])).toEqual([
      2,
      { remove: '127.0.0.1:5003' },
    ]);
  });

  it.each([
    [['x', { add: '127.0.0.1:5009' }], /the group in the path must be a group number/],
    [['0', {}], /must be \{"add": "ip:port"\} or \{"remove": "ip:port"\}/],
    [['0', { add: '127.0.0.1:5009', remove: '127.0.0.1:5001' }], /must be \{"add"/],
    [['0', { add: 5 }], /field 'add' must be a node id/],
    [['0', { join: '127.0.0.1:5009' }], /unknown field 'join'/],
  ])('refuses %j with a 400', (args, message) => {
    expect(() => checkOperationArgs('changeMembers', args)).toThrow(message);
    try {
      checkOperationArgs('changeMembers', args);
    } catch (error) {
      expect((error as ApiError).status).toBe(400);
    }
  });
});
