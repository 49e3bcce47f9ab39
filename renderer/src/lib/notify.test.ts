import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TOASTS, notify, useToasts } from './notify.ts';

describe('toasts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    useToasts.getState().dismissAll();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const shown = () => useToasts.getState().toasts.map((t) => `${t.title}×${t.count}`);

  it('shows the same error once, with a count, and keeps at most three', () => {
    for (let i = 0; i < 5; i++) notify.error('Not saved', new Error('The listener is stopped.'));
    expect(shown()).toEqual(['Not saved×5']);
    notify.ok('A');
    notify.ok('B');
    notify.ok('C');
    expect(shown()).toEqual(['A×1', 'B×1', 'C×1']);
    expect(useToasts.getState().toasts).toHaveLength(MAX_TOASTS);
  });

  it('dismisses each by itself, errors last, and all at once on request', () => {
    notify.error('Failed', new Error('x'));
    notify.ok('Saved');
    vi.advanceTimersByTime(4_001);
    expect(shown()).toEqual(['Failed×1']);
    vi.advanceTimersByTime(6_000);
    expect(shown()).toEqual([]);
    notify.ok('One');
    notify.info('Two');
    useToasts.getState().dismissAll();
    expect(shown()).toEqual([]);
  });

  it('keeps a repeated error on screen for its full time from the last time it was raised', () => {
    notify.error('Failed', new Error('x'));
    vi.advanceTimersByTime(9_000);
    notify.error('Failed', new Error('x'));
    vi.advanceTimersByTime(9_000);
    expect(shown()).toEqual(['Failed×2']);
    vi.advanceTimersByTime(1_001);
    expect(shown()).toEqual([]);
  });
});
