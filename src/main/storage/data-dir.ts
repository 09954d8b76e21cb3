// A node's data folder is checked when the storage is constructed, synchronously, so that a bad
// --data-dir fails at start-up with a message naming the folder instead of at the first election.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRIVATE_FOLDER_MODE } from './file-ops';
import { ioFailure } from './io-error';

/**
 * Creates the folder when missing (and its missing parents, all private); returns its absolute
 * path; throws a readable error otherwise. The folder is made private (0700) even when it existed:
 * a folder made by an older version was 0755, and every value and vote in it readable by anyone.
 */
export function prepareDataDir(dir: string): string {
  if (typeof dir !== 'string' || dir.trim() === '') throw new Error('storage: the data folder path is empty');
  const resolved = path.resolve(dir);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(resolved, { throwIfNoEntry: false });
  } catch (error) {
    throw ioFailure('storage', `checking the data folder ${resolved}`, error, false);
  }
  if (stat && !stat.isDirectory()) throw new Error(`storage: the data folder ${resolved} exists but is not a folder`);
  if (!stat) {
    try {
      fs.mkdirSync(resolved, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    } catch (error) {
      throw ioFailure('storage', `creating the data folder ${resolved}`, error, false);
    }
  }
  try {
    // An existing folder keeps its mode through mkdir; one an older version made is 0755.
    if (((stat?.mode ?? 0) & 0o777) !== PRIVATE_FOLDER_MODE) fs.chmodSync(resolved, PRIVATE_FOLDER_MODE);
  } catch (error) {
    throw ioFailure('storage', `making the data folder ${resolved} private (mode 0700)`, error, false);
  }
  try {
    fs.accessSync(resolved, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    throw ioFailure('storage', `checking that the data folder ${resolved} is writable`, error, false);
  }
  return resolved;
}
