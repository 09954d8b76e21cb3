// `raftlab admin <host:port> add-group | remove-group`: what the words mean, and every bad word
// refused with a message naming it before anything is sent.
import { describe, expect, it } from 'vitest';
import { parseAdminGroups, runAdminGroups } from './admin-groups';
import { parseArgs, UsageError } from './args';

describe('raftlab admin add-group | remove-group: the words', () => {
  it('reads add-group with its comma-separated addresses and remove-group with its number', () => {
    expect(parseAdminGroups(['add-group', '127.0.0.1:5010, 127.0.0.1:5011'])).toEqual({
      kind: 'add-group',
      members: ['127.0.0.1:5010', '127.0.0.1:5011'],
    });
    expect(parseAdminGroups(['remove-group', '2'])).toEqual({ kind: 'remove-group', group: 2 });
    expect(parseAdminGroups(['members'])).toBeNull();
  });

  it.each([
    [['add-group'], /needs <ip:port>/],
    [['add-group', '127.0.0.1:5010,nowhere'], /'nowhere'/],
    [['add-group', '127.0.0.1:5010,127.0.0.1:5010'], /twice/],
    [['add-group', '127.0.0.1:99999'], /'127.0.0.1:99999'/],
    [['remove-group'], /needs a group number/],
    [['remove-group', 'two'], /'two' is not a group number/],
    [['remove-group', '1', 'extra'], /unexpected argument 'extra'/],
  ])('refuses %j', (words, message) => {
    expect(() => parseAdminGroups(words)).toThrow(message);
  });

  it('refuses bad words through raftlab admin with the admin usage (exit 2), sending nothing', () => {
    expect(() => parseArgs(['admin', '127.0.0.1:1', 'remove-group', 'x'])).toThrow(UsageError);
    expect(() => parseArgs(['admin', '127.0.0.1:1', 'remove-group', 'x'])).toThrow(/'x' is not a group number/);
    expect(parseArgs(['admin', '127.0.0.1:1', 'add-group', '127.0.0.1:7001,127.0.0.1:7002'])).toEqual({
      kind: 'admin',
      target: { host: '127.0.0.1', port: 1 },
      action: { kind: 'add-group', members: ['127.0.0.1:7001', '127.0.0.1:7002'] },
    });
  });

  it('exits 1 when the node cannot be reached', async () => {
    const errors: string[] = [];
    const code = await runAdminGroups(
      { host: '127.0.0.1', port: 1 },
      { kind: 'remove-group', group: 1 },
      () => undefined,
      (line) => errors.push(line),
    );
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain('127.0.0.1:1');
  });
});
