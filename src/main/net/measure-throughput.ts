// Throughput of the network layer's hot paths, printed as JSON then a table:
//   npx tsx src/main/net/measure-throughput.ts
// - RESP parser: pipelined `SET key:<n> <100-byte value>` fed in 64 KiB chunks;
// - peer codec: encode and decode of App messages carrying 64 entries of 100 bytes;
// - client server end to end over 127.0.0.1: one pipelining RespClient against a trivial handler.
// A measurement, never a test: numbers depend on the machine.
import type { Message } from '../../shared/raft/types';
import { serveClient } from './client-server';
import { NodeServer } from './node-server';
import { decodeFrame, encodeFrame } from './peer-codec';
import { RespClient } from './resp-client';
import { RespParser } from './resp-parser';
import { encodeCommand } from './resp-writer';
import { MapHandler } from './testing/map-handler';

const VALUE = new Uint8Array(100).fill(0x76);

function perSecond(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** The median of five runs: the machine is shared, single runs are noisy. */
function median(runs: number[]): number {
  const sorted = [...runs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const RUNS = 5;

function measureParser(commands: number): { commandsPerSec: number; megabytesPerSec: number } {
  const encoded = Buffer.concat(Array.from({ length: commands }, (_, i) => encodeCommand(['SET', `key:${i}`, VALUE])));
  const chunkBytes = 64 * 1024;
  const run = (): number => {
    const parser = new RespParser();
    let parsed = 0;
    for (let at = 0; at < encoded.length; at += chunkBytes) {
      parser.push(encoded.subarray(at, at + chunkBytes));
      while (parser.next() !== null) parsed++;
    }
    return parsed;
  };
  run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const parsed = run();
    times.push(performance.now() - start);
    if (parsed !== commands) throw new Error(`parsed ${parsed} of ${commands}`);
  }
  const ms = median(times);
  return { commandsPerSec: perSecond(commands, ms), megabytesPerSec: Math.round(encoded.length / 1e6 / (ms / 1000)) };
}

function measureCodec(messages: number): { encodePerSec: number; decodePerSec: number; frameBytes: number } {
  const app: Message = {
    type: 'App',
    from: '127.0.0.1:5001',
    to: '127.0.0.1:5002',
    term: 3,
    prevLogIndex: 100_000,
    prevLogTerm: 3,
    commit: 100_000,
    entries: Array.from({ length: 64 }, (_, i) => ({ index: 100_001 + i, term: 3, type: 'normal', data: VALUE })),
  };
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 1000; i++) frames.push(encodeFrame(app, i)); // warm-up
  const encodeTimes: number[] = [];
  const decodeTimes: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let start = performance.now();
    for (let i = 0; i < messages; i++) frames[i % 1000] = encodeFrame(app, i);
    encodeTimes.push(performance.now() - start);
    start = performance.now();
    for (let i = 0; i < messages; i++) decodeFrame(frames[i % 1000]!);
    decodeTimes.push(performance.now() - start);
  }
  const encodeMs = median(encodeTimes);
  const decodeMs = median(decodeTimes);
  return {
    encodePerSec: perSecond(messages, encodeMs),
    decodePerSec: perSecond(messages, decodeMs),
    frameBytes: frames[0]!.length,
  };
}

async function measureServer(commands: number): Promise<{ commandsPerSec: number }> {
  const handler = new MapHandler();
  const server = await NodeServer.listen({
    host: '127.0.0.1',
    port: 0,
    routes: { client: (socket, head) => serveClient(socket, handler, {}, head) },
  });
  const client = await RespClient.connect('127.0.0.1', server.port);
  const batch = 1000;
  const run = async (count: number) => {
    for (let done = 0; done < count; done += batch) {
      await Promise.all(Array.from({ length: batch }, (_, i) => client.command('SET', `key:${done + i}`, VALUE)));
    }
  };
  await run(20_000); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run(commands);
    times.push(performance.now() - start);
  }
  const ms = median(times);
  client.close();
  await server.close();
  return { commandsPerSec: perSecond(commands, ms) };
}

const results = {
  respParserSet100B: measureParser(200_000),
  peerCodecApp64Entries: measureCodec(20_000),
  clientServerPipelinedSet100B: await measureServer(50_000),
};
console.log(JSON.stringify(results, null, 2));
console.table({
  'RESP parser, SET 100 B (commands/s)': results.respParserSet100B.commandsPerSec,
  'peer codec, App x64 encode (messages/s)': results.peerCodecApp64Entries.encodePerSec,
  'peer codec, App x64 decode (messages/s)': results.peerCodecApp64Entries.decodePerSec,
  'client server over TCP, SET 100 B (commands/s)': results.clientServerPipelinedSet100B.commandsPerSec,
});
