// `raftlab replay FILE`: serves a recorded session to the dashboard, with no cluster. The file is
// read and checked whole before anything listens, so a bad one is refused at once with its reason.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { RecordingFormatError } from '../../shared/recording';
import { ReplayHost } from '../recording/replay-host';
import { ControlServer } from '../server/control-server';
import { resolveApiToken } from '../server/token-source';
import type { ReplayCommand } from './replay-args';
import { rendererDir } from './run-cluster';
import { stopOnSignals } from './signals';

/** The file cannot be replayed: missing, unreadable, or not a recording. The CLI exits 2. */
export class ReplayFileError extends Error {
  override readonly name = 'ReplayFileError';
}

export async function loadReplay(file: string): Promise<ReplayHost> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error);
    throw new ReplayFileError(`cannot read the recording ${file}: ${reason}`);
  }
  try {
    return new ReplayHost(text, basename(file));
  } catch (error) {
    if (error instanceof RecordingFormatError) {
      throw new ReplayFileError(`${file} is not a RaftLab recording: ${error.message}`);
    }
    throw error;
  }
}

export async function runReplay(command: ReplayCommand, log: (line: string) => void): Promise<{ url: string }> {
  const host = await loadReplay(command.file);
  const apiToken = await resolveApiToken({
    tokenFile: command.tokenFile,
    token: command.token,
    envToken: process.env.RAFTLAB_TOKEN,
  });
  for (const warning of apiToken.warnings) console.error(`raftlab: warning: ${warning}`);
  const server = new ControlServer({
    api: host,
    staticDir: process.env.RAFTLAB_RENDERER_DIR ?? rendererDir(),
    host: command.serve.host,
    port: command.serve.port,
    ...(apiToken.token ? { token: apiToken.token } : {}),
  });
  await server.start();
  const recording = host.recordingData;
  log(
    `raftlab replay: ${command.file}, recorded ${recording.header.startedAt || 'at an unknown time'}, ` +
      `${recording.events.length} events, ${recording.keyframes.length} keyframes (read-only)`,
  );
  console.log(`dashboard: ${server.dashboardUrl()}`);
  stopOnSignals(() => server.stop(), log);
  return { url: server.dashboardUrl() };
}
