// Short names for nodes. When every node shares one host the port alone says which node it is
// ("5003"), which is what a projector can show; otherwise the full `ip:port` is kept.
import type { NodeId } from '../../../../shared/api';

export type NameOf = (id: NodeId) => string;

function split(id: NodeId): { host: string; port: string } {
  const colon = id.lastIndexOf(':');
  return colon < 0 ? { host: id, port: '' } : { host: id.slice(0, colon), port: id.slice(colon + 1) };
}

export function portOf(id: NodeId): string {
  return split(id).port || id;
}

export function shortNamer(ids: readonly NodeId[]): NameOf {
  const hosts = new Set(ids.map((id) => split(id).host));
  const ports = new Set(ids.map((id) => split(id).port));
  const portsSuffice = hosts.size <= 1 && ports.size === ids.length && !ports.has('');
  return portsSuffice ? portOf : (id) => id;
}
