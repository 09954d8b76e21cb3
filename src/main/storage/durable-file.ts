// A small file of a data folder written whole or not at all: temp file, fsync, rename, fsync the
// folder (the same order as every other file a node keeps), private to its user (0600).
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDataDir } from './data-dir';
import { PRIVATE_FILE_MODE } from './file-ops';

export function writeDurableFile(dir: string, name: string, text: string): void {
  const folder = prepareDataDir(dir);
  const path = join(folder, name);
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const folderFd = openSync(folder, 'r');
  try {
    fsyncSync(folderFd);
  } finally {
    closeSync(folderFd);
  }
}
