// A trivial in-memory CommandHandler for network tests: PING, SET, GET, DEL, with optional
// asynchronous replies so that pipelining order is exercised. Not the real kv layer.
import { argText, commandName } from '../command-args';
import type { CommandHandler, RespReply } from '../types';

export interface MapHandlerOptions {
  /** When set, each reply is delayed by this many real ms (per command), so replies finish out of order. */
  readonly replyDelayMs?: (commandIndex: number) => number;
}

export class MapHandler implements CommandHandler {
  readonly data = new Map<string, Uint8Array>();
  executed = 0;

  constructor(private readonly options: MapHandlerOptions = {}) {}

  execute(args: readonly Uint8Array[]): Promise<RespReply> | RespReply {
    const index = this.executed++;
    // The effect happens now, in command order; only the reply may be late.
    const reply = this.apply(args);
    const delayMs = this.options.replyDelayMs?.(index);
    if (delayMs === undefined) return reply;
    return new Promise((resolve) => setTimeout(() => resolve(reply), delayMs));
  }

  private apply(args: readonly Uint8Array[]): RespReply {
    const name = commandName(args);
    const key = args[1] === undefined ? '' : argText(args[1]);
    switch (name) {
      case 'PING':
        return args[1] === undefined ? { type: 'simple', value: 'PONG' } : { type: 'bulk', value: args[1] };
      case 'SET':
        if (args.length !== 3) return { type: 'error', value: "ERR wrong number of arguments for 'set' command" };
        this.data.set(key, args[2]!);
        return { type: 'simple', value: 'OK' };
      case 'GET':
        return { type: 'bulk', value: this.data.get(key) ?? null };
      case 'DEL': {
        let removed = 0;
        for (const arg of args.slice(1)) if (this.data.delete(argText(arg))) removed++;
        return { type: 'integer', value: removed };
      }
      default:
        return { type: 'error', value: `ERR unknown command '${argText(args[0] ?? new Uint8Array())}'` };
    }
  }
}
