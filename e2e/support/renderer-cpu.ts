// Measures what the dashboard costs the browser while nothing happens: the renderer's own account
// of its main-thread work (CDP Performance.getMetrics), and the CPU time the operating system
// charged to Chromium's renderer processes (/proc/<pid>/stat, pids from CDP SystemInfo).
import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';

export interface IdleCpu {
  readonly windowMs: number;
  /** Main-thread task time as a share of one core (TaskDuration delta / window). */
  readonly mainThreadShare: number;
  readonly scriptShare: number;
  /** Style recalculation and layout, the rendering work a frame costs before paint. */
  readonly styleShare: number;
  readonly layoutShare: number;
  /** OS CPU time of the renderer processes as a share of one core, or null where /proc is absent. */
  readonly rendererProcessShare: number | null;
  readonly rendererPids: readonly number[];
}

function ticksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Clock ticks per second for /proc times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

export async function measureIdleCpu(page: Page, browser: Browser, windowMs: number): Promise<IdleCpu> {
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  const browserSession = await browser.newBrowserCDPSession();
  const info = (await browserSession.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[];
  };
  const rendererPids = info.processInfo.filter((process) => process.type === 'renderer').map((process) => process.id);
  const metric = async (): Promise<Record<string, number>> => {
    const { metrics } = await session.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((entry) => [entry.name, entry.value]));
  };
  const processTicks = (): number | null => {
    let total = 0;
    for (const pid of rendererPids) {
      const ticks = ticksOf(pid);
      if (ticks === null) return null;
      total += ticks;
    }
    return total;
  };

  const before = await metric();
  const ticksBefore = processTicks();
  const startedMs = Date.now();
  await page.waitForTimeout(windowMs);
  const after = await metric();
  const ticksAfter = processTicks();
  const elapsedMs = Date.now() - startedMs;
  await session.detach();
  await browserSession.detach();

  const share = (name: string): number => ((after[name] ?? 0) - (before[name] ?? 0)) / (elapsedMs / 1000);
  return {
    windowMs: elapsedMs,
    mainThreadShare: share('TaskDuration'),
    scriptShare: share('ScriptDuration'),
    styleShare: share('RecalcStyleDuration'),
    layoutShare: share('LayoutDuration'),
    rendererProcessShare:
      ticksBefore === null || ticksAfter === null
        ? null
        : (ticksAfter - ticksBefore) / TICKS_PER_SECOND / (elapsedMs / 1000),
    rendererPids,
  };
}

export function describeIdleCpu(label: string, cpu: IdleCpu): string {
  const percent = (share: number | null): string => (share === null ? 'n/a' : `${(share * 100).toFixed(2)}%`);
  return (
    `${label}: renderer main thread ${percent(cpu.mainThreadShare)} of a core (script ${percent(cpu.scriptShare)}, style ${percent(cpu.styleShare)}, layout ${percent(cpu.layoutShare)}), ` +
    `renderer process ${percent(cpu.rendererProcessShare)} (pids ${cpu.rendererPids.join(', ')}), over ${(cpu.windowMs / 1000).toFixed(1)} s`
  );
}
