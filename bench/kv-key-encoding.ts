// Which string form of a binary key makes the state machine's Map faster: latin1 (one char per
// byte) or hex (two chars per byte)? 100k SETs of random 16-byte keys, then 100k GETs, best of 7
// runs each. Prints JSON, then a table. Run: npx tsx bench/kv-key-encoding.ts
import { SeededRandom } from '../src/shared/random';

const KEY_COUNT = 100_000;
const RUNS = 7;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexOf(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

function latin1Of(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

function latin1LoopOf(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

const random = new SeededRandom(11);
const keys = Array.from({ length: KEY_COUNT }, () => Uint8Array.from({ length: 16 }, () => random.nextInt(256)));
const value = new Uint8Array(8);

const encoders: Record<string, (bytes: Uint8Array) => string> = {
  latin1: latin1Of,
  latin1Loop: latin1LoopOf,
  hex: hexOf,
};

const results: Record<string, { setMs: number; getMs: number }> = {};
for (let round = 0; round < 2; round++) {
  // Round 0 warms the JIT; round 1 is reported.
  for (const [name, encode] of Object.entries(encoders)) {
    let bestSet = Number.POSITIVE_INFINITY;
    let bestGet = Number.POSITIVE_INFINITY;
    for (let run = 0; run < RUNS; run++) {
      const map = new Map<string, Uint8Array>();
      const t0 = performance.now();
      for (const key of keys) map.set(encode(key), value);
      const t1 = performance.now();
      let found = 0;
      for (const key of keys) if (map.get(encode(key)) !== undefined) found++;
      const t2 = performance.now();
      if (found !== KEY_COUNT) throw new Error(`${name} lost keys`);
      bestSet = Math.min(bestSet, t1 - t0);
      bestGet = Math.min(bestGet, t2 - t1);
    }
    results[name] = { setMs: Math.round(bestSet * 10) / 10, getMs: Math.round(bestGet * 10) / 10 };
  }
}

console.log(JSON.stringify(results));
console.log('encoding    | 100k SET ms | 100k GET ms');
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(11)} | ${String(r.setMs).padStart(11)} | ${String(r.getMs).padStart(11)}`);
}
