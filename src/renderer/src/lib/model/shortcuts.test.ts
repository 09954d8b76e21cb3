import { describe, expect, it } from 'vitest';
import { SHORTCUTS, shortcutFor } from './shortcuts';

const press = (key: string, modifiers: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...modifiers,
});

describe('keyboard shortcuts', () => {
  it('map the main actions to single keys', () => {
    expect(shortcutFor(press(' '), 'none')).toBe('togglePause');
    expect(shortcutFor(press('?'), 'none')).toBe('help');
    expect(shortcutFor(press('p'), 'none')).toBe('presenter');
    expect(shortcutFor(press('h'), 'none')).toBe('healAll');
    expect(shortcutFor(press('k'), 'none')).toBe('killSelected');
  });

  it('leave typing in a text field alone, except Escape', () => {
    expect(shortcutFor(press('k'), 'text')).toBeNull();
    expect(shortcutFor(press(' '), 'text')).toBeNull();
    expect(shortcutFor(press('Escape'), 'text')).toBe('close');
  });

  it('let Space and Enter activate a focused control instead of pausing', () => {
    expect(shortcutFor(press(' '), 'control')).toBeNull();
    expect(shortcutFor(press('Enter'), 'control')).toBeNull();
    expect(shortcutFor(press('h'), 'control')).toBe('healAll');
  });

  it('leave arrow keys to a focused slider or select, which they adjust', () => {
    expect(shortcutFor(press('ArrowRight'), 'adjustable')).toBeNull();
    expect(shortcutFor(press('ArrowLeft'), 'adjustable')).toBeNull();
    expect(shortcutFor(press('ArrowUp'), 'adjustable')).toBeNull();
    expect(shortcutFor(press(' '), 'adjustable')).toBeNull();
    expect(shortcutFor(press('h'), 'adjustable')).toBe('healAll');
    expect(shortcutFor(press('ArrowRight'), 'control')).toBe('nextNode');
  });

  it('pause on Space with a node focused (after clicking it); Enter still selects it', () => {
    expect(shortcutFor(press(' '), 'node')).toBe('togglePause');
    expect(shortcutFor(press('Enter'), 'node')).toBeNull();
    expect(shortcutFor(press('ArrowRight'), 'node')).toBe('nextNode');
  });

  it("leave the browser's own modifier shortcuts alone", () => {
    expect(shortcutFor(press('r', { ctrlKey: true }), 'none')).toBeNull();
    expect(shortcutFor(press('p', { metaKey: true }), 'none')).toBeNull();
  });

  it('give each key at most one action', () => {
    const keys = SHORTCUTS.flatMap((shortcut) => shortcut.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
