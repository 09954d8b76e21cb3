// How each kind of Raft message looks in flight. Colour and shape both carry the kind, so the
// diagram still reads in greyscale or to a colour-blind viewer; replies add a ✓ or ✗ mark.
import {
  type SymbolType,
  symbol,
  symbolCircle,
  symbolCross,
  symbolDiamond,
  symbolSquare,
  symbolStar,
  symbolTriangle,
} from 'd3';
import type { MessageType } from '../../../../shared/api';
import { OKABE_ITO } from './palette';

export type FlightShape = 'circle' | 'square' | 'diamond' | 'triangle' | 'star' | 'cross';

export interface MessageStyle {
  /** What the legend and the flight's title call it. */
  readonly label: string;
  readonly colour: string;
  readonly shape: FlightShape;
  /** Requests are drawn larger than replies. */
  readonly size: 'large' | 'small';
  /** Hollow for pre-votes, empty appends and rejections. */
  readonly filled: boolean;
  readonly mark: '' | '✓' | '✗';
}

export interface MessageDetail {
  readonly entries?: number;
  readonly reject?: boolean;
}

export function messageStyle(kind: MessageType, detail: MessageDetail = {}): MessageStyle {
  const replyMark = detail.reject ? '✗' : '✓';
  const accepted = !detail.reject;
  switch (kind) {
    case 'PreVote':
      return {
        label: 'PreVote',
        colour: OKABE_ITO.reddishPurple,
        shape: 'diamond',
        size: 'large',
        filled: false,
        mark: '',
      };
    case 'PreVoteResp':
      return {
        label: accepted ? 'PreVote granted' : 'PreVote refused',
        colour: OKABE_ITO.reddishPurple,
        shape: 'diamond',
        size: 'small',
        filled: accepted,
        mark: replyMark,
      };
    case 'Vote':
      return {
        label: 'RequestVote',
        colour: OKABE_ITO.vermillion,
        shape: 'diamond',
        size: 'large',
        filled: true,
        mark: '',
      };
    case 'VoteResp':
      return {
        label: accepted ? 'Vote granted' : 'Vote refused',
        colour: OKABE_ITO.vermillion,
        shape: 'diamond',
        size: 'small',
        filled: accepted,
        mark: replyMark,
      };
    case 'App': {
      const count = detail.entries ?? 0;
      const label =
        count > 0 ? `AppendEntries (${count} ${count === 1 ? 'entry' : 'entries'})` : 'AppendEntries (empty)';
      return { label, colour: OKABE_ITO.blue, shape: 'square', size: 'large', filled: count > 0, mark: '' };
    }
    case 'AppResp':
      return {
        label: accepted ? 'AppendEntries success' : 'AppendEntries failure',
        colour: OKABE_ITO.blue,
        shape: 'square',
        size: 'small',
        filled: accepted,
        mark: replyMark,
      };
    case 'Heartbeat':
      return { label: 'Heartbeat', colour: OKABE_ITO.skyBlue, shape: 'circle', size: 'large', filled: true, mark: '' };
    case 'HeartbeatResp':
      return {
        label: 'Heartbeat reply',
        colour: OKABE_ITO.skyBlue,
        shape: 'circle',
        size: 'small',
        filled: true,
        mark: '✓',
      };
    case 'TimeoutNow':
      return {
        label: 'TimeoutNow (leadership transfer)',
        colour: OKABE_ITO.orange,
        shape: 'star',
        size: 'large',
        filled: true,
        mark: '',
      };
    case 'ReadIndex':
      return {
        label: 'ReadIndex',
        colour: OKABE_ITO.bluishGreen,
        shape: 'triangle',
        size: 'large',
        filled: true,
        mark: '',
      };
    case 'ReadIndexResp':
      return {
        label: accepted ? 'ReadIndex reply' : 'ReadIndex refused',
        colour: OKABE_ITO.bluishGreen,
        shape: 'triangle',
        size: 'small',
        filled: accepted,
        mark: replyMark,
      };
    case 'Snap':
      // Its own shape and colour (no other kind is a yellow cross): a whole snapshot file, not entries.
      return {
        label: 'InstallSnapshot',
        colour: OKABE_ITO.yellow,
        shape: 'cross',
        size: 'large',
        filled: true,
        mark: '',
      };
  }
}

const SYMBOLS: Record<FlightShape, SymbolType> = {
  circle: symbolCircle,
  square: symbolSquare,
  diamond: symbolDiamond,
  triangle: symbolTriangle,
  star: symbolStar,
  cross: symbolCross,
};

const pathCache = new Map<string, string>();

/** An SVG path for the shape centred on the origin; `area` in square pixels, as d3.symbol takes it. */
export function shapePath(shape: FlightShape, area: number): string {
  const key = `${shape}:${area}`;
  let path = pathCache.get(key);
  if (path === undefined) {
    path = symbol(SYMBOLS[shape], area)() ?? '';
    pathCache.set(key, path);
  }
  return path;
}

/** The kinds the legend explains, requests first, each with its typical reply. */
export const LEGEND_KINDS: readonly { kind: MessageType; detail?: MessageDetail }[] = [
  { kind: 'PreVote' },
  { kind: 'PreVoteResp' },
  { kind: 'PreVoteResp', detail: { reject: true } },
  { kind: 'Vote' },
  { kind: 'VoteResp' },
  { kind: 'VoteResp', detail: { reject: true } },
  { kind: 'App', detail: { entries: 1 } },
  { kind: 'App', detail: { entries: 0 } },
  { kind: 'AppResp' },
  { kind: 'AppResp', detail: { reject: true } },
  { kind: 'Heartbeat' },
  { kind: 'HeartbeatResp' },
  { kind: 'ReadIndex' },
  { kind: 'ReadIndexResp' },
  { kind: 'ReadIndexResp', detail: { reject: true } },
  { kind: 'TimeoutNow' },
  { kind: 'Snap' },
];
