// The dashboard's keyboard shortcuts, one table for the key handler and the help overlay.
export type ShortcutAction =
  | 'togglePause'
  | 'help'
  | 'presenter'
  | 'healAll'
  | 'killSelected'
  | 'restartSelected'
  | 'stepDownSelected'
  | 'timeoutSelected'
  | 'slower'
  | 'faster'
  | 'focusKey'
  | 'nextNode'
  | 'previousNode'
  | 'clickerNext'
  | 'stepMessage'
  | 'alignTimers'
  | 'spreadTimers'
  | 'close';

export interface Shortcut {
  readonly keys: readonly string[];
  readonly action: ShortcutAction;
  readonly description: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: [' '], action: 'togglePause', description: 'Pause or resume the cluster clock (also with a node selected)' },
  { keys: ['?'], action: 'help', description: 'Show or hide this list of shortcuts' },
  { keys: ['p'], action: 'presenter', description: 'Presenter mode (large type) on or off' },
  { keys: ['h'], action: 'healAll', description: 'Heal all links' },
  { keys: ['n', 'ArrowRight'], action: 'nextNode', description: 'Select the next node' },
  { keys: ['N', 'ArrowLeft'], action: 'previousNode', description: 'Select the previous node' },
  { keys: ['k'], action: 'killSelected', description: 'Kill the selected node' },
  { keys: ['r'], action: 'restartSelected', description: 'Restart the selected node' },
  { keys: ['s'], action: 'stepDownSelected', description: 'Step down: the selected leader hands over leadership' },
  { keys: ['t'], action: 'timeoutSelected', description: "Force the selected node's election timeout" },
  { keys: ['['], action: 'slower', description: 'Slower (more slow motion)' },
  { keys: [']'], action: 'faster', description: 'Faster (less slow motion)' },
  { keys: ['/'], action: 'focusKey', description: 'Type a key in the client panel' },
  {
    keys: ['PageDown'],
    action: 'clickerNext',
    description: "Presenter's clicker: the scenario's next step; while paused, deliver the next message",
  },
  { keys: ['.'], action: 'stepMessage', description: 'While paused, deliver the next message' },
  { keys: ['a'], action: 'alignTimers', description: 'Align every election timer (they fire together)' },
  { keys: ['A'], action: 'spreadTimers', description: 'Spread the election timers far apart' },
  { keys: ['Escape'], action: 'close', description: 'Close the help, clear the selection' },
];

export const KEY_LABELS: Readonly<Record<string, string>> = {
  ' ': 'Space',
  ArrowRight: '→',
  ArrowLeft: '←',
  PageDown: 'PgDn',
  Escape: 'Esc',
};

export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

/**
 * Where focus is, as far as shortcuts care: typing in a text field; on a control that Space and
 * Enter activate; on one that arrow keys adjust (a slider, a select); on a node of the diagram,
 * which Enter selects but which leaves Space to pause; or nowhere in particular.
 */
export type FocusKind = 'text' | 'control' | 'adjustable' | 'node' | 'none';

const ADJUSTING_KEYS = new Set([
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'Home',
  'End',
  'PageUp',
  'PageDown',
]);

/**
 * The action for a key press, or null. Keys typed into a text field, or pressed with a modifier
 * (the browser's own shortcuts), are left alone; so is Space or Enter on a focused control, which
 * must keep activating that control, and an arrow key on a slider, which must move it.
 */
export function shortcutFor(press: KeyPress, focus: FocusKind): ShortcutAction | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  if (focus === 'text') return press.key === 'Escape' ? 'close' : null;
  if ((focus === 'control' || focus === 'adjustable') && (press.key === ' ' || press.key === 'Enter')) return null;
  if (focus === 'adjustable' && ADJUSTING_KEYS.has(press.key)) return null;
  if (focus === 'node' && press.key === 'Enter') return null;
  return SHORTCUTS.find((shortcut) => shortcut.keys.includes(press.key))?.action ?? null;
}
