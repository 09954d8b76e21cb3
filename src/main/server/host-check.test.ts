import { describe, expect, it } from 'vitest';
import { allowHostProblem, hostRefusal } from './host-check';

describe('hostRefusal', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.1:8080',
    '0.0.0.0:1',
    '192.168.1.20:43121',
    '[::1]',
    '[::1]:8080',
    '[2001:db8::7]:443',
    'localhost',
    'localhost:5173',
    'LOCALHOST:1',
  ])('serves Host %s', (host) => {
    expect(hostRefusal(host)).toBeUndefined();
  });

  it.each([
    ['evil.example', /does not answer to the name 'evil\.example'/],
    ['evil.example:8080', /DNS rebinding.*--allow-host evil\.example/],
    ['127.0.0.1.nip.io:8080', /'127\.0\.0\.1\.nip\.io'/],
    ['localhost.evil.example', /'localhost\.evil\.example'/],
    ['localhost.', /'localhost\.'/],
    ['127.1', /'127\.1'/],
    ['0x7f.0.0.1', /'0x7f\.0\.0\.1'/],
    ['2130706433', /'2130706433'/],
    ['::1', /is not HOST or HOST:PORT/],
    ['[evil.example]:80', /is not an IPv6 literal/],
    ['a.example:80:80', /is not HOST or HOST:PORT/],
    ['a.example:port', /is not HOST or HOST:PORT/],
    ['', /no Host header/],
    [undefined, /no Host header/],
  ])('refuses Host %j', (host, message) => {
    expect(hostRefusal(host)).toMatch(message);
  });

  it('serves names given with --allow-host, in any case, and no name that merely contains one', () => {
    const allowed = ['teacher.local'];
    expect(hostRefusal('teacher.local:80', allowed)).toBeUndefined();
    expect(hostRefusal('Teacher.LOCAL', allowed)).toBeUndefined();
    expect(hostRefusal('teacher.local.evil.example', allowed)).toMatch(/does not answer/);
    expect(hostRefusal('evilteacher.local', allowed)).toMatch(/does not answer/);
  });

  it('quotes at most 80 characters of a hostile header', () => {
    expect(hostRefusal(`${'a'.repeat(5000)}.example`)!.length).toBeLessThan(400);
  });
});

describe('allowHostProblem', () => {
  it('takes host names', () => {
    for (const name of ['teacher.local', 'raftlab', 'lab-3.school.example'])
      expect(allowHostProblem(name)).toBeUndefined();
  });

  it.each([
    ['10.0.0.1', /always allowed/],
    ['[::1]', /always allowed/],
    ['::1', /always allowed/],
    ['a.example:80', /holds a port/],
    ['bad_name', /not a host name/],
    ['-lead.example', /not a host name/],
    ['', /not a host name/],
  ])('refuses %j', (name, message) => {
    expect(allowHostProblem(name)).toMatch(message);
  });
});
