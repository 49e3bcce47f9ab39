/**
 * Per-key fixed-window rate limit, exact within one process: with 100 per minute, exactly 100
 * requests succeed in each clock-aligned minute. Retry-After is rounded up, so it is never
 * shorter than the real wait.
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
}

/** A window as it is kept across a restart. */
export interface WindowState {
  bucket: string;
  start: number;
  windowMs: number;
  count: number;
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number; windowMs: number }>();
  private lastSweep = 0;

  hit(id: string, count: number, windowMs: number, now: number): RateDecision {
    const start = Math.floor(now / windowMs) * windowMs;
    let w = this.windows.get(id);
    if (!w || w.start !== start) {
      w = { start, count: 0, windowMs };
      this.windows.set(id, w);
    }
    const allowed = w.count < count;
    if (allowed) w.count++;
    this.sweep(now);
    return {
      allowed,
      limit: count,
      remaining: Math.max(0, count - w.count),
      resetInMs: start + windowMs - now,
    };
  }

  /** Looks without counting. */
  peek(id: string, count: number, windowMs: number, now: number): RateDecision {
    const start = Math.floor(now / windowMs) * windowMs;
    const w = this.windows.get(id);
    const used = w && w.start === start ? w.count : 0;
    return {
      allowed: used < count,
      limit: count,
      remaining: Math.max(0, count - used),
      resetInMs: start + windowMs - now,
    };
  }

  /** The windows that have not ended at `now`, to be restored after a restart. */
  snapshot(now: number): WindowState[] {
    const out: WindowState[] = [];
    for (const [bucket, w] of this.windows)
      if (w.start + w.windowMs > now && w.count > 0)
        out.push({ bucket, start: w.start, windowMs: w.windowMs, count: w.count });
    return out;
  }

  /** Takes back windows saved by `snapshot`; those that have ended are left out. */
  restore(windows: readonly WindowState[], now: number): void {
    for (const w of windows)
      if (w.start + w.windowMs > now)
        this.windows.set(w.bucket, { start: w.start, count: w.count, windowMs: w.windowMs });
  }

  /** Drops windows that ended more than a day ago, at most once a minute. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [id, w] of this.windows) if (w.start < now - 86_400_000) this.windows.delete(id);
  }
}

export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  const reset = String(Math.ceil(d.resetInMs / 1000));
  const h: Record<string, string> = {
    'ratelimit-limit': String(d.limit),
    'ratelimit-remaining': String(d.remaining),
    'ratelimit-reset': reset,
  };
  if (!d.allowed) h['retry-after'] = reset;
  return h;
}
