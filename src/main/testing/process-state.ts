// What Linux says a process is doing, for tests that need a zombie (an owner that died but was not
// reaped) to prove that nothing trusts a pid.
import { readFileSync } from 'node:fs';

/** The state letter in /proc/<pid>/stat: R, S, Z (zombie)...; null once the pid is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}
