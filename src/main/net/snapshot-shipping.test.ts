// SnapshotShipping as NodeHost uses it: the core's Snap goes to the sender and never to the
// transport, every other message goes to the transport, and a transfer shows in the view as a
// Snap flight (send, then deliver, or drop with the reason) plus snapshot sent/installed events.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Heartbeat, InstallSnapshot, Message, NodeId, SnapshotMeta } from '../../shared/raft/types';
import { decodeStreamFrame } from './snapshot-codec';
import { type ShippingEvent, SnapshotShipping } from './snapshot-shipping';
import type { StreamPort } from './snapshot-stream';
import { ManualClock } from './testing/clocks';

const LEADER = 'leader:1';
const FOLLOWER = 'follower:2';
const META: SnapshotMeta = { index: 50, term: 2, membership: { voters: [LEADER, FOLLOWER], learners: [] } };

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

/** Two nodes' shippings joined by an in-memory wire; `lose` drops frames of one type. */
function pair(lose: string | null = null) {
  const folder = mkdtempSync(join(tmpdir(), 'shipping-'));
  folders.push(folder);
  const source = join(folder, 'snap.snap');
  writeFileSync(source, randomBytes(300_000));
  const events: { node: NodeId; event: ShippingEvent }[] = [];
  const reports: [NodeId, boolean][] = [];
  const shippings = new Map<NodeId, SnapshotShipping>();
  let nextId = 1;
  const port: StreamPort = {
    sendFrame: (to, frame) => {
      const id = nextId++;
      const decoded = decodeStreamFrame(frame);
      if (decoded.type !== lose) setImmediate(() => shippings.get(to)!.receive(decoded, id));
      return id;
    },
  };
  const clock = new ManualClock();
  for (const [self, role] of [
    [LEADER, 'leader'],
    [FOLLOWER, 'follower'],
  ] as const) {
    shippings.set(
      self,
      new SnapshotShipping({
        self,
        clock,
        port: () => port,
        source: { snapshotFor: async () => ({ meta: META, path: source, bytes: 300_000 }) },
        sink: { incomingPath: () => join(folder, `in-${self.replace(':', '')}.part`), offer: () => {} },
        status: () => ({ term: 2, role }),
        report: (to, ok) => reports.push([to, ok]),
        onEvent: (event) => events.push({ node: self, event }),
      }),
    );
  }
  return { shippings, events, reports, clock };
}

const snap: InstallSnapshot = { type: 'Snap', from: LEADER, to: FOLLOWER, term: 2, snapshot: META };

describe('snapshot shipping', () => {
  it('routes Snap to the sender and every other message to the transport', () => {
    const { shippings } = pair();
    const sent: Message[] = [];
    let flushes = 0;
    const sink = shippings.get(LEADER)!.sinkFor({ send: (message) => sent.push(message), flush: () => flushes++ });
    const heartbeat: Heartbeat = { type: 'Heartbeat', from: LEADER, to: FOLLOWER, term: 2, commit: 1, context: 0 };
    sink.send(snap);
    sink.send(heartbeat);
    sink.flush();
    expect(sent).toEqual([heartbeat]);
    expect(flushes).toBe(1);
    expect(shippings.get(LEADER)!.sender.active).toBe(1);
  });

  it('shows a transfer as a Snap flight (send, deliver with the same id) and sent/installed events', async () => {
    const { shippings, events, reports } = pair();
    shippings.get(LEADER)!.sender.send(snap);
    await until(() => reports.length > 0, 'the report');
    expect(reports).toEqual([[FOLLOWER, true]]);
    const summary = events.map(({ node, event }) =>
      event.type === 'transport'
        ? [node, event.event.type, event.event.message.type, event.event.meta.size]
        : [node, event.phase, event.index, event.bytes],
    );
    expect(summary).toEqual([
      [LEADER, 'send', 'Snap', 300_000],
      [FOLLOWER, 'deliver', 'Snap', 300_000],
      [FOLLOWER, 'installed', 50, 300_000],
      [LEADER, 'sent', 50, 300_000],
    ]);
    const ids = events.flatMap(({ event }) => (event.type === 'transport' ? [event.event.meta.id] : []));
    expect(new Set(ids).size).toBe(1);
  });

  it('shows a failed transfer as a dropped Snap with the reason, and reports it', async () => {
    const { shippings, events, reports, clock } = pair('SnapAck');
    shippings.get(LEADER)!.sender.send(snap);
    await until(() => events.length > 0, 'the send');
    clock.advance(10_000);
    await until(() => reports.length > 0, 'the report');
    expect(reports).toEqual([[FOLLOWER, false]]);
    const drops = events.flatMap(({ event }) =>
      event.type === 'transport' && event.event.type === 'drop' ? [[event.event.message.type, event.event.reason]] : [],
    );
    expect(drops).toEqual([['Snap', 'no progress for 10000 ms']]);
  });
});
