// WAL save throughput: 100k entries of ~100 bytes saved in batches of 1, 16 and 256 entries per
// save(), each save one write and one fdatasync, on the disk that holds os.tmpdir(). Also times the
// recovery read of the result. Not a test: numbers depend on the disk and on what else runs.
//
//   npx tsx bench/storage.ts [--entries 100000] [--bytes 100] [--batches 1,16,256]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WalStorage } from '../src/main/storage/wal';
import type { Entry } from '../src/shared/raft/types';

interface Options {
  readonly entries: number;
  readonly bytes: number;
  readonly batches: readonly number[];
}

interface Result {
  readonly batch: number;
  readonly entries: number;
  readonly saves: number;
  readonly seconds: number;
  readonly entriesPerSecond: number;
  /** Each save is one fdatasync, so this is also fdatasync/s. */
  readonly savesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly saveLatencyMsP50: number;
  readonly saveLatencyMsP99: number;
  readonly walBytes: number;
  readonly loadSeconds: number;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const positive = (name: string, fallback: number) => {
    const raw = value(name);
    const parsed = raw === undefined ? fallback : Number(raw);
    if (!Number.isSafeInteger(parsed) || parsed < 1)
      throw new Error(`--${name} must be a positive integer, got ${raw}`);
    return parsed;
  };
  const batches = (value('batches') ?? '1,16,256').split(',').map(Number);
  if (batches.some((batch) => !Number.isSafeInteger(batch) || batch < 1)) throw new Error('--batches: e.g. 1,16,256');
  return { entries: positive('entries', 100_000), bytes: positive('bytes', 100), batches };
}

function makeEntries(count: number, bytes: number): Entry[] {
  const entries: Entry[] = [];
  for (let index = 1; index <= count; index++) {
    const data = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) data[i] = (index + i) & 0xff;
    entries.push({ index, term: 1, type: 'normal', data });
  }
  return entries;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function run(batch: number, entries: readonly Entry[], bytes: number): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftlab-bench-storage-'));
  try {
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'bench', commit: 0 }, entries: [] });
    const latencies: number[] = [];
    const started = performance.now();
    for (let first = 0; first < entries.length; first += batch) {
      const slice = entries.slice(first, first + batch);
      // Commit trails by one batch, as it would on a leader: every save carries a commit mark too.
      const hardState = { term: 1, vote: 'bench', commit: first };
      const before = performance.now();
      await storage.save({ hardState, entries: slice });
      latencies.push(performance.now() - before);
    }
    const seconds = (performance.now() - started) / 1000;
    await storage.close();
    const walBytes = fs
      .readdirSync(path.join(dir, 'wal'))
      .reduce((sum, name) => sum + fs.statSync(path.join(dir, 'wal', name)).size, 0);

    const loadStarted = performance.now();
    const reader = new WalStorage(dir);
    const loaded = await reader.load();
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    await reader.close();
    if (loaded.entries.length !== entries.length) {
      throw new Error(`loaded ${loaded.entries.length} entries, saved ${entries.length}`);
    }

    latencies.sort((a, b) => a - b);
    const round = (value: number, digits: number) => Number(value.toFixed(digits));
    return {
      batch,
      entries: entries.length,
      saves: latencies.length,
      seconds: round(seconds, 3),
      entriesPerSecond: Math.round(entries.length / seconds),
      savesPerSecond: Math.round(latencies.length / seconds),
      megabytesPerSecond: round((entries.length * bytes) / seconds / 1e6, 2),
      saveLatencyMsP50: round(percentile(latencies, 0.5), 3),
      saveLatencyMsP99: round(percentile(latencies, 0.99), 3),
      walBytes,
      loadSeconds: round(loadSeconds, 3),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function table(results: readonly Result[]): string {
  const columns: [string, (r: Result) => string][] = [
    ['batch', (r) => String(r.batch)],
    ['saves', (r) => String(r.saves)],
    ['seconds', (r) => r.seconds.toFixed(2)],
    ['entries/s', (r) => String(r.entriesPerSecond)],
    ['saves/s (fdatasync/s)', (r) => String(r.savesPerSecond)],
    ['MB/s', (r) => r.megabytesPerSecond.toFixed(2)],
    ['p50 ms', (r) => r.saveLatencyMsP50.toFixed(3)],
    ['p99 ms', (r) => r.saveLatencyMsP99.toFixed(3)],
    ['load s', (r) => r.loadSeconds.toFixed(3)],
  ];
  const rows = [columns.map(([title]) => title), ...results.map((r) => columns.map(([, cell]) => cell(r)))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const entries = makeEntries(options.entries, options.bytes);
  const results: Result[] = [];
  for (const batch of options.batches) results.push(await run(batch, entries, options.bytes));
  const report = {
    benchmark: 'storage.save',
    node: process.version,
    tmpdir: os.tmpdir(),
    entryBytes: options.bytes,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
    results,
  };
  console.log(JSON.stringify(report, null, 2));
  console.log();
  console.log(table(results));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
