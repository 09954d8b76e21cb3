// CPU time and resident memory of a process, read from /proc (Linux). Elsewhere they read as null
// and the report says the figure is unavailable.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | null = null;

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat (almost always 100). */
function clockTicksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface CpuTimes {
  readonly userSeconds: number;
  readonly systemSeconds: number;
}

/** User and system CPU seconds the process has used, all threads included. */
export function cpuTimes(pid: number): CpuTimes | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return { userSeconds: utime / clockTicksPerSecond(), systemSeconds: stime / clockTicksPerSecond() };
  } catch {
    return null;
  }
}

/** User plus system CPU seconds the process has used, all threads included. */
export function cpuSeconds(pid: number): number | null {
  const times = cpuTimes(pid);
  return times === null ? null : times.userSeconds + times.systemSeconds;
}

/** VmRSS in MiB. */
export function residentMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(status.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1]);
    return Number.isFinite(kib) ? kib / 1024 : null;
  } catch {
    return null;
  }
}
