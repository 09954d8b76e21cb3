// The recording's file in the data folder. Private to the user (0600 in a 0700 folder) like every
// file there: it holds every key and value the session wrote. A rewrite goes through a temporary
// file and a rename, so a crash mid-rewrite leaves the old recording, never half of one.
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const RECORDING_FILE_NAME = 'recording.jsonl';

export interface RecordingFile {
  append(text: string): Promise<void>;
  replace(text: string): Promise<void>;
}

export function recordingFileAt(path: string): RecordingFile {
  return {
    async append(text) {
      await appendFile(path, text, { mode: 0o600 });
    },
    async replace(text) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, path);
    },
  };
}
