import { describe, expect, it } from 'vitest';
import { ReplyCounter } from './reply-counter';

const replies = Buffer.from('+OK\r\n$5\r\nhello\r\n$-1\r\n:42\r\n-TRYAGAIN no leader\r\n$0\r\n\r\n', 'latin1');

describe('ReplyCounter', () => {
  it('counts every reply shape our commands get, and the errors among them', () => {
    const counted = new ReplyCounter().push(replies);
    expect(counted).toEqual({ replies: 6, errors: 1, firstError: 'TRYAGAIN no leader' });
  });

  it('gives the same count however the stream is cut into chunks', () => {
    for (let cut = 1; cut < replies.length; cut++) {
      const counter = new ReplyCounter();
      const first = counter.push(replies.subarray(0, cut));
      const second = counter.push(replies.subarray(cut));
      expect(first.replies + second.replies, `cut at ${cut}`).toBe(6);
      expect(first.errors + second.errors, `cut at ${cut}`).toBe(1);
    }
  });

  it('does not count a bulk reply until its last byte and CRLF arrived', () => {
    const counter = new ReplyCounter();
    expect(counter.push(Buffer.from('$5\r\nhel')).replies).toBe(0);
    expect(counter.push(Buffer.from('lo\r')).replies).toBe(0);
    expect(counter.push(Buffer.from('\n')).replies).toBe(1);
  });

  it('a bulk value holding CRLF is one reply, not several', () => {
    expect(new ReplyCounter().push(Buffer.from('$6\r\n+a\r\n:1\r\n')).replies).toBe(1);
  });

  it('refuses a stream that is not replies, and counts nothing after it', () => {
    const counter = new ReplyCounter();
    expect(counter.push(Buffer.from('*1\r\n+OK\r\n')).replies).toBe(0);
    expect(counter.protocolError).toMatch(/unexpected reply type/);
    expect(counter.push(Buffer.from('+OK\r\n')).replies).toBe(0);
  });
});
