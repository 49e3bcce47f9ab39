import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import Database from 'better-sqlite3';
import { openCore, type Core, type CoreOptions } from '../main/core.ts';
import { memorySettingsStore } from '../main/settings-store.ts';
import { masterKeyBox } from '../main/services/secret-box.ts';
import type { SettingsInput } from '../shared/settings.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A fresh directory removed after the test. */
export function tempDir(prefix = 'pg-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestClock {
  now: () => number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function testClock(start = Date.UTC(2026, 10, 21, 12, 0, 0)): TestClock {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms), advance: (ms) => (t += ms) };
}

/** A core on a fresh data dir, closed after the test. */
export function testCore(
  o: {
    clock?: TestClock;
    settings?: SettingsInput;
    dataDir?: string;
    sourceRetry?: CoreOptions['sourceRetry'];
    startCheckpointer?: CoreOptions['startCheckpointer'];
  } = {},
): Core {
  const core = openCore({
    dataDir: o.dataDir ?? tempDir(),
    actor: 'test',
    secretBox: masterKeyBox(randomBytes(32)),
    settings: memorySettingsStore(o.settings),
    ...(o.clock && { now: o.clock.now }),
    ...(o.sourceRetry && { sourceRetry: o.sourceRetry }),
    ...(o.startCheckpointer && { startCheckpointer: o.startCheckpointer }),
  });
  cleanups.push(() => core.close());
  return core;
}

const stores = new WeakMap<Core, Database.Database>();

/**
 * A connection of the test's own to a core's store, for looking at what was stored (front
 * doors never see the core's connection). Closed after the test; opened again on demand.
 */
export function storeOf(core: Core): Database.Database {
  let db = stores.get(core);
  if (!db?.open) {
    db = new Database(core.databaseFile);
    stores.set(core, db);
    const opened = db;
    cleanups.push(() => opened.close());
  }
  return db;
}
