// Turns an errno into one line a person can act on: "wal: disk full (ENOSPC) writing 00000001.wal".
import { errorCode } from './file-ops';

const MEANINGS: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EIO: 'I/O error',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a path component is not a folder',
  EEXIST: 'already exists',
  EISDIR: 'is a folder',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
};

export class StorageIoError extends Error {
  override readonly name = 'StorageIoError';
  constructor(
    message: string,
    /** The errno name, e.g. ENOSPC; undefined when the cause had none. */
    readonly code: string | undefined,
    /**
     * True when what is durable is no longer known (an fsync failed, or undoing a failed write failed):
     * the instance then refuses every later save and the node must restart from disk.
     */
    readonly fatal: boolean,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** `scope` is "wal" or "hardstate"; `action` says what was being done, e.g. "writing 00000001.wal". */
export function ioFailure(scope: string, action: string, cause: unknown, fatal: boolean): StorageIoError {
  const code = errorCode(cause);
  const meaning = code ? MEANINGS[code] : undefined;
  const what = code ? `${meaning ?? 'error'} (${code})` : cause instanceof Error ? cause.message : String(cause);
  return new StorageIoError(`${scope}: ${what} ${action}`, code, fatal, { cause });
}
