// Checks the arguments of a ClusterApi operation that arrive from outside the main process (an HTTP
// body or an IPC call from the page), so a wrong shape gets a 400 naming the field instead of
// reaching the cluster. Ranges and node ids are the cluster's to judge; this checks only shapes.
import { ApiError, type ClusterApi, type ClusterOperation, type KvOp } from '../../shared/api';
import { STAGING_CHECKERS } from '../staging/staging-args';

export type OperationArgs = { [K in ClusterOperation]: Parameters<ClusterApi[K]> };

/** A node id is an `ip:port`; anything this long is not one. */
const NODE_ID_MAX_LENGTH = 300;
const KV_OPS: readonly KvOp[] = ['SET', 'GET', 'DEL'];

type Checker = (args: readonly unknown[]) => unknown[];

const CHECKERS: { readonly [K in ClusterOperation]: Checker } = {
  state: () => [],
  heal: () => [],
  kill: (args) => [nodeId(args[0], 'node')],
  restart: (args) => [nodeId(args[0], 'node')],
  stepDown: (args) => [nodeId(args[0], 'node')],
  forceTimeout: (args) => [nodeId(args[0], 'node')],
  takeSnapshot: (args) => [nodeId(args[0], 'node')],
  setLink: (args) => {
    const body = object(args[0], ['a', 'b', 'cut', 'oneWay']);
    const request: { a: string; b: string; cut: boolean; oneWay?: boolean } = {
      a: nodeId(body.a, 'a'),
      b: nodeId(body.b, 'b'),
      cut: boolean(body.cut, 'cut'),
    };
    if (body.oneWay !== undefined) request.oneWay = boolean(body.oneWay, 'oneWay');
    return [request];
  },
  partition: (args) => {
    const sides = args[0];
    if (!Array.isArray(sides)) throw new ApiError(400, "field 'sides' must be a list of lists of node ids");
    return [sides.map((side, index) => nodeIdList(side, `sides[${index}]`))];
  },
  setNetwork: (args) => {
    const body = object(args[0], ['latencyMs', 'dropRate']);
    const settings: { latencyMs?: [number, number]; dropRate?: number } = {};
    if (body.latencyMs !== undefined) {
      const range = body.latencyMs;
      if (!Array.isArray(range) || range.length !== 2) {
        throw new ApiError(400, "field 'latencyMs' must be [min, max] in ms");
      }
      settings.latencyMs = [number(range[0], 'latencyMs[0]'), number(range[1], 'latencyMs[1]')];
    }
    if (body.dropRate !== undefined) settings.dropRate = number(body.dropRate, 'dropRate');
    return [settings];
  },
  setClock: (args) => {
    const body = object(args[0], ['timescale', 'paused']);
    const settings: { timescale?: number; paused?: boolean } = {};
    if (body.timescale !== undefined) settings.timescale = number(body.timescale, 'timescale');
    if (body.paused !== undefined) settings.paused = boolean(body.paused, 'paused');
    return [settings];
  },
  setRaftOptions: (args) => {
    const body = object(args[0], ['preVote', 'checkQuorum']);
    const options: { preVote?: boolean; checkQuorum?: boolean } = {};
    if (body.preVote !== undefined) options.preVote = boolean(body.preVote, 'preVote');
    if (body.checkQuorum !== undefined) options.checkQuorum = boolean(body.checkQuorum, 'checkQuorum');
    return [options];
  },
  kv: (args) => {
    const body = object(args[0], ['op', 'key', 'value', 'via']);
    const op = typeof body.op === 'string' ? body.op.toUpperCase() : undefined;
    if (!KV_OPS.includes(op as KvOp)) throw new ApiError(400, "field 'op' must be one of SET, GET, DEL");
    const request: { op: KvOp; key: string; value?: string; via?: string } = {
      op: op as KvOp,
      key: string(body.key, 'key'),
    };
    if (body.value !== undefined) request.value = string(body.value, 'value');
    if (request.op === 'SET' && request.value === undefined) {
      throw new ApiError(400, "field 'value' is required for SET");
    }
    if (body.via !== undefined && body.via !== null && body.via !== '') request.via = nodeId(body.via, 'via');
    return [request];
  },
  changeMembers: (args) => {
    const group = args[0];
    if (typeof group !== 'string' || !/^[0-9]{1,6}$/.test(group)) {
      if (typeof group !== 'number' || !Number.isInteger(group) || group < 0) {
        throw new ApiError(400, `the group in the path must be a group number, not ${JSON.stringify(group)}`);
      }
    }
    const body = object(args[1], ['add', 'remove']);
    const hasAdd = body.add !== undefined;
    if (hasAdd === (body.remove !== undefined)) {
      throw new ApiError(400, 'the body must be {"add": "ip:port"} or {"remove": "ip:port"}');
    }
    return [Number(group), hasAdd ? { add: nodeId(body.add, 'add') } : { remove: nodeId(body.remove, 'remove') }];
  },
  setLesson: (args) => {
    const body = object(args[0], ['skipNoop', 'unsafeCommitByCount']);
    const settings: { skipNoop?: boolean; unsafeCommitByCount?: boolean } = {};
    if (body.skipNoop !== undefined) settings.skipNoop = boolean(body.skipNoop, 'skipNoop');
    if (body.unsafeCommitByCount !== undefined) {
      settings.unsafeCommitByCount = boolean(body.unsafeCommitByCount, 'unsafeCommitByCount');
    }
    return [settings];
  },
  recording: () => [],
  reconfigure: (args) => {
    const partitions = args[0];
    // A configuration sent as JSON lists is accepted too; the cluster parses the text either way.
    if (Array.isArray(partitions)) return [JSON.stringify(partitions)];
    if (typeof partitions !== 'string' || partitions.trim() === '') {
      throw new ApiError(400, "field 'partitions' must be a partition configuration such as [['127.0.0.1:5001']]");
    }
    return [partitions];
  },
  ...STAGING_CHECKERS,
};

/** Returns the arguments with the operation's types, or throws ApiError(400) naming the bad field. */
export function checkOperationArgs<K extends ClusterOperation>(
  operation: K,
  args: readonly unknown[],
): OperationArgs[K] {
  return CHECKERS[operation](args) as OperationArgs[K];
}

function object(value: unknown, fields: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'the request body must be a JSON object');
  }
  for (const field of Object.keys(value)) {
    if (!fields.includes(field)) {
      throw new ApiError(400, `unknown field '${field}' (expected ${fields.map((f) => `'${f}'`).join(', ')})`);
    }
  }
  return value as Record<string, unknown>;
}

function nodeId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '' || value.length > NODE_ID_MAX_LENGTH) {
    throw new ApiError(400, `field '${field}' must be a node id such as "127.0.0.1:5001"`);
  }
  return value;
}

function nodeIdList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new ApiError(400, `field '${field}' must be a list of node ids`);
  return value.map((id, index) => nodeId(id, `${field}[${index}]`));
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ApiError(400, `field '${field}' must be true or false`);
  return value;
}

function number(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ApiError(400, `field '${field}' must be a number`);
  }
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ApiError(400, `field '${field}' must be a string`);
  return value;
}
