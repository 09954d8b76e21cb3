// The `Host` header check that stops DNS rebinding (CONTRACTS.md §4). A page on evil.example can make
// its own name resolve to 127.0.0.1; the browser then sends it our way, same-origin as far as it
// knows, but still with `Host: evil.example`. So a request is served only when its Host is an IP
// literal, `localhost`, or a name the person allowed with --allow-host. IP literals pass so that a
// classroom can serve on 0.0.0.0 and students open the teacher's address.
import { isIPv4, isIPv6 } from 'node:net';

/** `name` or `name:port`, `a.b.c.d[:port]`, `[v6][:port]`: the host part and whether it is bracketed. */
const HOST_HEADER = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::([0-9]{1,5}))?$/;

/** A DNS name as --allow-host takes it: labels of letters, digits and hyphens. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Why a request with this Host header must be refused with 421, or undefined when it may be served. */
export function hostRefusal(header: string | undefined, allowedNames: readonly string[] = []): string | undefined {
  if (header === undefined || header === '') return 'the request has no Host header';
  const match = HOST_HEADER.exec(header);
  if (match === null) return `the Host header '${clip(header)}' is not HOST or HOST:PORT`;
  const [, bracketed, plain] = match;
  if (bracketed !== undefined) {
    return isIPv6(bracketed) ? undefined : `the Host header '${clip(header)}' is not an IPv6 literal`;
  }
  const name = (plain ?? '').toLowerCase();
  if (isIPv4(name)) return undefined;
  if (name === 'localhost') return undefined;
  if (allowedNames.some((allowed) => allowed.toLowerCase() === name)) return undefined;
  return (
    `this server does not answer to the name '${clip(name)}' (a guard against DNS rebinding); ` +
    `use its IP address or localhost, or start it with --allow-host ${clip(name)}`
  );
}

/** Why `name` cannot be given to --allow-host, or undefined when it can. */
export function allowHostProblem(name: string): string | undefined {
  if (isIPv4(name) || isIPv6(name.replace(/^\[(.*)\]$/, '$1'))) {
    return `'${name}' is an IP address; IP addresses are always allowed, --allow-host takes a name`;
  }
  if (name.includes(':')) return `'${name}' holds a port; give the name alone`;
  if (!HOST_NAME.test(name)) return `'${name}' is not a host name (letters, digits, hyphens and dots)`;
  return undefined;
}

/** A hostile header can be long; the message quotes only its start. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
