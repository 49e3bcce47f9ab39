import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { startPartnerListener, type RunningListener } from '../../main/api/listener.ts';
import type { PartnerApiOptions } from '../../main/api/server.ts';
import type { Scope } from '../../shared/scopes.ts';

export const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

export interface ApiFixture {
  core: Core;
  listener: RunningListener;
  base: string;
  clock: { now: () => number; set(ms: number): void };
  /** Issues a key for an account with rules and scopes; returns id and secret. */
  key(
    accountId: number,
    o?: {
      scopes?: Scope[];
      rules?: string[];
      rate?: { count: number; windowMs: number };
      queryAuth?: boolean;
    },
  ): Promise<{ id: number; secret: string }>;
  close(): Promise<void>;
}

/** A demo network served on loopback by the real listener, with a clock the test controls. */
export async function apiFixture(
  o: { host?: string; api?: PartnerApiOptions; demo?: boolean } = {},
): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-api-'));
  let t = NOW;
  const clock = { now: () => t, set: (ms: number) => (t = ms) };
  const core = openCore({
    dataDir: dir,
    actor: 'test',
    secretBox: masterKeyBox(Buffer.alloc(32, 7)),
    settings: memorySettingsStore(),
    now: clock.now,
  });
  if (o.demo !== false) await core.demoData({ scale: 'small', seed: 5, anchorMs: NOW });
  const listener = await startPartnerListener(core, {
    host: o.host ?? '127.0.0.1',
    port: 0,
    now: clock.now,
    journalIntervalMs: 50,
    ...o.api,
  });
  const host = o.host === '::' ? '[::1]' : '127.0.0.1';
  return {
    core,
    listener,
    base: `http://${host}:${listener.port}`,
    clock,
    async key(accountId, k = {}) {
      const issued = await core.keys.issue({
        accountId,
        label: 'test',
        scopes: k.scopes ?? [
          'reports:read',
          'stats:read',
          'conversions:read',
          'clicks:read',
          'leads:read',
          'offers:read',
          'conversions:write',
        ],
        ...(k.rate && { rateLimit: k.rate }),
        allowQueryAuth: k.queryAuth ?? false,
        expiresAt: NOW + 365 * 86_400_000,
      });
      for (const r of k.rules ?? ['127.0.0.0/8', '::1']) {
        const kind = r.includes('/') ? 'cidr' : 'single';
        core.ipRules.add(
          kind === 'cidr'
            ? { keyId: issued.key.id, kind, cidr: r }
            : { keyId: issued.key.id, kind, address: r },
        );
      }
      return { id: issued.key.id, secret: issued.secret };
    },
    async close() {
      await listener.close();
      core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
