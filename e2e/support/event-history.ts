// The host's whole event history for a spec, read from its own SSE stream in Node. A spec opens
// it before it acts and waits for the stream to be open: the stream does not replay events sent
// before it opened, so a check that reads history must not miss the start of it.
import type { ClusterEvent } from '../../src/shared/api';
import type { HeadlessHost } from '../fixtures/headless-host';

export interface EventHistory {
  /** Every event received so far, in the order the host sent them. */
  readonly events: readonly ClusterEvent[];
  close(): void;
}

export async function openEventHistory(host: HeadlessHost): Promise<EventHistory> {
  const events: ClusterEvent[] = [];
  const abort = new AbortController();
  const response = await fetch(`${host.origin}/api/events?token=${encodeURIComponent(host.token)}`, {
    signal: abort.signal,
    headers: { accept: 'text/event-stream' },
  });
  if (!response.ok || !response.body) throw new Error(`the event stream did not open: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf('\n');
        while (end >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          if (line.startsWith('data:')) events.push(...(JSON.parse(line.slice(5)) as ClusterEvent[]));
          end = buffer.indexOf('\n');
        }
      }
    } catch {
      // Closed by the spec (abort) or by the host stopping: the history is what arrived.
    }
  })();
  return { events, close: () => abort.abort() };
}
