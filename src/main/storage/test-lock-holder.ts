// A separate process that takes a data folder's lock, for the lock's tests: they need a real other
// process, alive, killed, or exited and left a zombie. Prints its pid once it holds the lock, then
// stays alive (`hold`) or exits without releasing anything (`exit`).
//
//   node --import tsx test-lock-holder.ts <dir> hold|exit [abstract|pipe|file]
import { acquireFolderLock, type LockKind } from './folder-lock';

const [dir, mode, kind] = process.argv.slice(2);
if (dir === undefined || (mode !== 'hold' && mode !== 'exit')) {
  console.error('usage: test-lock-holder.ts <dir> hold|exit [abstract|pipe|file]');
  process.exit(2);
}
await acquireFolderLock(dir, kind === undefined ? {} : { kind: kind as LockKind });
process.stdout.write(`${process.pid}\n`, () => {
  if (mode === 'exit') process.exit(0);
  // The lock itself keeps nothing alive; this does, until the test kills the process.
  setInterval(() => {}, 60_000);
});
