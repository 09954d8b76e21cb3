// The crash summary: crashes with the same error and the same first frame in our code are one bug.
import { describe, expect, it } from 'vitest';
import { crashSignature } from './report';

const tail = `127.0.0.1:43769 timed out and started a pre-vote for term 3
/work/wt/nemesis/src/main/host/node-host.ts:281
        reject(new NotLeaderError(null));
               ^


NotLeaderError: no leader is known
    at <anonymous> (/work/wt/nemesis/src/main/host/node-host.ts:281:16)
    at new Promise (<anonymous>)
    at KvRouter.serveInGroup (/work/wt/nemesis/src/main/kv/router.ts:202:19)
    at runNextTicks (node:internal/process/task_queues:60:5) {
  leader: null
}

Node.js v20.20.2`;

describe('crashSignature', () => {
  it('is the error line and the first frame in src/', () => {
    expect(crashSignature(tail)).toBe('NotLeaderError: no leader is known at src/main/host/node-host.ts:281:16');
  });

  it('leaves node addresses out, so that one bug is one signature', () => {
    const refused =
      'UnreachableError: cannot connect to 127.0.0.1:33241: connect ECONNREFUSED 127.0.0.1:33241\n' +
      '    at <anonymous> (/x/src/main/kv/forwarder.ts:71:13)';
    expect(crashSignature(refused)).toBe(
      'UnreachableError: cannot connect to ADDR: connect ECONNREFUSED ADDR at src/main/kv/forwarder.ts:71:13',
    );
  });

  it('falls back to the last line printed when there is no error', () => {
    expect(crashSignature('starting\nkilled by the kernel\n')).toBe('killed by the kernel');
    expect(crashSignature('')).toBe('(no output)');
  });
});
