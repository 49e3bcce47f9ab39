import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../main/api/request-auth.ts';
import type { RouteContext } from '../../main/api/routes/common.ts';
import { meBody, meOperation, meText } from '../../main/api/routes/me.ts';
import { bodySerializer } from '../../main/api/serializer.ts';

const serialize = bodySerializer(meBody);

function keyOf(o: { label?: string; expiresAt?: number | null; graceUntil?: number | null } = {}) {
  return {
    id: 7,
    label: o.label ?? 'reporting',
    displayPrefix: 'pgk_AbC12x',
    scopes: ['reports:read', 'clicks:read'],
    expiresAt: o.expiresAt ?? null,
    graceUntil: o.graceUntil ?? null,
    rateLimitCount: 600,
    rateLimitWindowMs: 60_000,
    allowQueryAuth: false,
    allowMcp: true,
  } as unknown as AuthContext['key'];
}

function accountOf(name = 'Summit Growth') {
  return {
    id: 3,
    name,
    kind: 'affiliate',
    timezone: 'Europe/Berlin',
    currency: 'EUR',
  } as unknown as AuthContext['account'];
}

const authOf = (
  key: AuthContext['key'],
  account: AuthContext['account'],
  remaining: number,
  resetInMs: number,
): AuthContext => ({
  key,
  account,
  rate: { allowed: true, limit: key.rateLimitCount, remaining, resetInMs },
});

/** What the operation's body comes to through the serializer: the answer to match. */
function expected(auth: AuthContext, fresh: number | null): string {
  const op = meOperation({
    core: { sources: { freshUntil: () => fresh } },
  } as unknown as RouteContext);
  return serialize(op.run({ auth, rowsReturned: 0 }, {}));
}

// Every string: ASCII, controls, quotes and backslashes, any UTF-16 unit, and the text the
// moving numbers are found by.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u2028', 'a', ':', '-1', '}') }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
  fc.constant('"remaining":-1,"reset_seconds":-2}'),
  fc.constant('\\"remaining\\":-1,\\"reset_seconds\\":-2}'),
);

describe("/me's kept text", () => {
  it("is the serializer's answer, whatever the key and account hold", () => {
    fc.assert(
      fc.property(
        text,
        text,
        fc.option(fc.integer({ min: 0, max: 4e12 })),
        fc.option(fc.integer({ min: 0, max: 4e12 })),
        fc.array(fc.tuple(fc.nat(1_000_000), fc.integer({ min: 1, max: 3_600_000 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (label, name, expiresAt, fresh, calls) => {
          const write = meText(serialize, () => fresh);
          const key = keyOf({ label, expiresAt });
          const account = accountOf(name);
          for (const [remaining, resetInMs] of calls) {
            const auth = authOf(key, account, remaining, resetInMs);
            expect(write(auth)).toBe(expected(auth, fresh));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('serializes once per key, then follows its account and freshness', () => {
    let serialized = 0;
    const counting = (body: Parameters<typeof serialize>[0]) => (serialized++, serialize(body));
    let fresh: number | null = null;
    const write = meText(counting, () => fresh);
    const key = keyOf();
    let account = accountOf();

    const first = authOf(key, account, 599, 60_000);
    expect(write(first)).toBe(expected(first, fresh));
    const made = serialized;
    for (let remaining = 598; remaining > 500; remaining--) {
      const auth = authOf(key, account, remaining, remaining * 100);
      expect(write(auth)).toBe(expected(auth, fresh));
    }
    expect(serialized).toBe(made);

    // The account renamed (a new record), the data brought in, the key replaced: each is seen.
    account = accountOf('Summit Growth GmbH');
    expect(write(authOf(key, account, 500, 1000))).toContain('"name":"Summit Growth GmbH"');
    fresh = Date.UTC(2026, 10, 20, 6);
    expect(write(authOf(key, account, 499, 1000))).toContain(
      '"data_fresh_until":"2026-11-20T06:00:00.000Z"',
    );
    const renewed = keyOf({ expiresAt: Date.UTC(2027, 0, 1) });
    const auth = authOf(renewed, account, 600, 60_000);
    expect(write(auth)).toBe(expected(auth, fresh));
    expect(write(auth)).toContain('"expires_at":"2027-01-01T00:00:00.000Z"');
  });

  it('serializes every answer when the text cannot be cut around the numbers', () => {
    // A serializer writing another layout: the marks are not where the cut looks for them.
    const spaced = (body: Parameters<typeof serialize>[0]) => JSON.stringify(body, null, 1);
    const write = meText(spaced, () => null);
    const key = keyOf();
    const account = accountOf();
    for (const remaining of [599, 42, 0]) {
      const auth = authOf(key, account, remaining, 30_000);
      expect(JSON.parse(write(auth))).toEqual(JSON.parse(expected(auth, null)));
      expect(write(auth)).toContain(`"remaining": ${remaining},`);
    }
    // One whose marked text is found but would not write its answer byte for byte.
    const reordered = (body: Parameters<typeof serialize>[0]) =>
      serialize(body).replace(/("remaining":)(-?\d+)/, (_, k: string, n: string) =>
        n === '-1' ? `${k}-1` : `${k}${n} `,
      );
    const writeReordered = meText(reordered, () => null);
    for (const remaining of [599, 42]) {
      const auth = authOf(key, account, remaining, 30_000);
      expect(writeReordered(auth)).toBe(reordered(JSON.parse(expected(auth, null))));
    }
  });
});
