// `raftlab client <host:port> [COMMAND ARG...]`: one command, or a prompt. Replies print as
// redis-cli prints them to a terminal, so a student can move between the two without surprises.
import { createInterface } from 'node:readline';
import { RespClient } from '../net/resp-client';
import type { RespReply } from '../net/types';
import type { HostPort } from './args';

export function formatReply(reply: RespReply, indent = ''): string {
  switch (reply.type) {
    case 'simple':
      return reply.value;
    case 'error':
      return `(error) ${reply.value}`;
    case 'integer':
      return `(integer) ${reply.value}`;
    case 'bulk':
      return reply.value === null ? '(nil)' : JSON.stringify(Buffer.from(reply.value).toString('utf8'));
    case 'array':
      if (reply.value === null) return '(nil)';
      if (reply.value.length === 0) return '(empty array)';
      return reply.value.map((item, i) => `${indent}${i + 1}) ${formatReply(item, `${indent}   `)}`).join('\n');
  }
}

/** Splits a prompt line into words, honouring "double" and 'single' quotes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3] ?? ''));
  }
  return words;
}

/** Returns the exit code: 0, or 1 when the server answered with an error or could not be reached. */
export async function runClient(target: HostPort, command: readonly string[]): Promise<number> {
  let client: RespClient;
  try {
    client = await RespClient.connect(target.host, target.port, { commandTimeoutMs: 0 });
  } catch (error) {
    console.error(`raftlab client: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (command.length > 0) {
    const reply = await client.command(...command);
    console.log(formatReply(reply));
    client.close();
    return reply.type === 'error' ? 1 : 0;
  }
  return prompt(client, target);
}

async function prompt(client: RespClient, target: HostPort): Promise<number> {
  const lines = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: `${target.host}:${target.port}> `,
  });
  lines.prompt();
  for await (const line of lines) {
    const words = splitWords(line);
    if (words.length > 0) {
      try {
        console.log(formatReply(await client.command(...words)));
      } catch (error) {
        console.error(`(connection lost) ${error instanceof Error ? error.message : String(error)}`);
        lines.close();
        return 1;
      }
      if (words[0]!.toUpperCase() === 'QUIT') break;
    }
    lines.prompt();
  }
  client.close();
  return 0;
}
