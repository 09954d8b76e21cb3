import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClusterEvent } from '../../shared/api';
import { EventHub } from './event-hub';

function commit(index: number): ClusterEvent {
  return { type: 'commit', at: index, node: '127.0.0.1:5001', index };
}

const roleChange: ClusterEvent = { type: 'role', at: 0, node: '127.0.0.1:5001', role: 'leader', term: 2 };

describe('EventHub', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers events in one batch per interval, not one call per event', () => {
    const hub = new EventHub({ batchIntervalMs: 50 });
    const batches: (readonly ClusterEvent[])[] = [];
    hub.subscribe((events) => batches.push(events));
    for (let i = 1; i <= 100; i++) hub.publish(commit(i));
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(50);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((event) => (event.type === 'commit' ? event.index : 0))).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });

  it('sends at most 20 batches a second under a steady stream', () => {
    const hub = new EventHub();
    let batches = 0;
    hub.subscribe(() => batches++);
    for (let ms = 0; ms < 1000; ms++) {
      hub.publish(commit(ms));
      vi.advanceTimersByTime(1);
    }
    expect(batches).toBeGreaterThanOrEqual(19);
    expect(batches).toBeLessThanOrEqual(20);
  });

  it('costs nothing without a subscriber: no buffering and no timer', () => {
    const hub = new EventHub();
    expect(hub.active).toBe(false);
    expect(hub.wants('commit')).toBe(false);
    for (let i = 0; i < 10; i++) hub.publish(commit(i));
    expect(vi.getTimerCount()).toBe(0);
    const batches: (readonly ClusterEvent[])[] = [];
    hub.subscribe((events) => batches.push(events));
    vi.advanceTimersByTime(1000);
    expect(batches).toEqual([]);
  });

  it('runs no timer while nothing is pending', () => {
    const hub = new EventHub();
    hub.subscribe(() => {});
    expect(vi.getTimerCount()).toBe(0);
    hub.publish(commit(1));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(50);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('bounds the buffer and counts what it drops', () => {
    const hub = new EventHub({ maxBufferedEvents: 100 });
    const batches: (readonly ClusterEvent[])[] = [];
    hub.subscribe((events) => batches.push(events));
    for (let i = 0; i < 250; i++) hub.publish(commit(i));
    expect(hub.droppedEvents).toBe(150);
    vi.advanceTimersByTime(50);
    expect(batches[0]).toHaveLength(100);
    hub.publish(commit(999));
    vi.advanceTimersByTime(50);
    expect(batches[1]).toHaveLength(1);
    expect(hub.droppedEvents).toBe(150);
  });

  it('adds drops reported by a slow view to the same counter', () => {
    const hub = new EventHub();
    hub.countDropped(7);
    hub.countDropped(-3);
    expect(hub.droppedEvents).toBe(7);
  });

  it('gives every subscriber every batch', () => {
    const hub = new EventHub();
    const first = vi.fn();
    const second = vi.fn();
    hub.subscribe(first);
    hub.subscribe(second);
    hub.publish(commit(1));
    vi.advanceTimersByTime(50);
    expect(first).toHaveBeenCalledWith([commit(1)]);
    expect(second).toHaveBeenCalledWith([commit(1)]);
  });

  it('stops delivering after unsubscribe, and the last unsubscribe discards pending events', () => {
    const hub = new EventHub();
    const listener = vi.fn();
    const unsubscribe = hub.subscribe(listener);
    hub.publish(commit(1));
    unsubscribe();
    expect(hub.active).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(listener).not.toHaveBeenCalled();
  });

  it('a subscriber with types gets only those, and wants() reflects them', () => {
    const hub = new EventHub();
    const roles = vi.fn();
    hub.subscribe(roles, ['role']);
    expect(hub.wants('role')).toBe(true);
    expect(hub.wants('commit')).toBe(false);
    hub.publish(commit(1));
    expect(vi.getTimerCount()).toBe(0);
    hub.publish(roleChange);
    vi.advanceTimersByTime(50);
    expect(roles).toHaveBeenCalledTimes(1);
    expect(roles).toHaveBeenCalledWith([roleChange]);
  });

  it('a throwing subscriber does not stop the others', () => {
    const errors: unknown[] = [];
    const hub = new EventHub({ onListenerError: (error) => errors.push(error) });
    const healthy = vi.fn();
    hub.subscribe(() => {
      throw new Error('view crashed');
    });
    hub.subscribe(healthy);
    hub.publish(commit(1));
    vi.advanceTimersByTime(50);
    expect(healthy).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
  });
});
