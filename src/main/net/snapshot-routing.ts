// Where a node's outgoing Raft messages and incoming stream frames go once snapshots travel: the
// core's `Snap` is not a message for the peer link (it names a file, not its bytes), so it goes to
// the SnapshotSender; every other message goes to the transport as before. Incoming stream frames
// go to the side they are for: answers to the sender, the rest to the receiver.
import type { InstallSnapshot, Message } from '../../shared/raft/types';
import type { MessageSink } from '../host/ready-ports';
import { isSenderBound, type StreamFrame } from './snapshot-codec';
import type { SnapshotReceiver } from './snapshot-receiver';
import type { SnapshotSender } from './snapshot-sender';

export class SnapshotRoutingSink implements MessageSink {
  constructor(
    private readonly transport: MessageSink,
    private readonly sender: Pick<SnapshotSender, 'send'>,
  ) {}

  send(message: Message): void {
    if (message.type === 'Snap') this.sender.send(message as InstallSnapshot);
    else this.transport.send(message);
  }

  flush(): void {
    this.transport.flush();
  }
}

export function routeStreamFrame(
  frame: StreamFrame,
  id: number,
  sender: Pick<SnapshotSender, 'receive'>,
  receiver: Pick<SnapshotReceiver, 'receive'>,
): void {
  if (isSenderBound(frame)) sender.receive(frame);
  else receiver.receive(frame, id);
}
