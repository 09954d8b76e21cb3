import { describe, expect, it } from 'vitest';
import { errorMessage, eventsUrl, operationUrl, parseEventBatch, requestHeaders, resolveToken } from './http-urls';

describe('token handling', () => {
  it('takes the token from the URL and removes it from the address bar, keeping other parameters', () => {
    expect(resolveToken('?token=abc&preset=readme', null)).toEqual({
      token: 'abc',
      cleanedSearch: '?preset=readme',
      fromUrl: true,
    });
  });

  it('prefers a fresh token in the URL over a remembered one', () => {
    expect(resolveToken('?token=new', 'old').token).toBe('new');
  });

  it('falls back to the remembered token after a reload without the query', () => {
    expect(resolveToken('', 'old')).toEqual({ token: 'old', cleanedSearch: '', fromUrl: false });
  });

  it('has no token when neither gives one', () => {
    expect(resolveToken('?x=1', null).token).toBeNull();
    expect(resolveToken('?token=', '').token).toBeNull();
  });

  it('sends the token as a bearer header and on the events stream as a query', () => {
    expect(requestHeaders('t/1', true)).toEqual({
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: 'Bearer t/1',
    });
    expect(requestHeaders(null, false)).toEqual({ Accept: 'application/json' });
    expect(eventsUrl('t/1')).toBe('/api/events?token=t%2F1');
  });
});

describe('operation URLs', () => {
  it('encode the node id into the path', () => {
    expect(operationUrl('kill', '127.0.0.1:5003')).toBe('/api/nodes/127.0.0.1%3A5003/kill');
    expect(operationUrl('stepDown', 'a/b')).toBe('/api/nodes/a%2Fb/step-down');
  });

  it('leave routes without an id alone and refuse a node route without an id', () => {
    expect(operationUrl('heal')).toBe('/api/network/heal');
    expect(() => operationUrl('restart')).toThrow(/node id/);
  });
});

describe('API errors', () => {
  it("show the server's JSON error", () => {
    expect(errorMessage(400, 'Bad Request', '{"error":"empty group at item 2"}')).toBe('empty group at item 2');
  });

  it('fall back to the status when the body is not the JSON error', () => {
    expect(errorMessage(404, 'Not Found', '<html>')).toBe('404 Not Found');
    expect(errorMessage(401, 'Unauthorized', '')).toMatch(/token/);
  });

  it('accept only an array as an event batch', () => {
    expect(parseEventBatch('[{"type":"term"}]')).toHaveLength(1);
    expect(() => parseEventBatch('{"type":"term"}')).toThrow(/array/);
  });
});
