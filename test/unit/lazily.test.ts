/**
 * Schemas built on first use: a module defining hundreds of them costs nothing until one is
 * parsed with, and a schema behind the stand-in behaves as the schema itself.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { lazily } from '../../shared/lazily.ts';

/** Counts zod schemas built while `fn` runs (each gets its `_zod` internals defined once). */
async function schemasBuiltBy(fn: () => unknown): Promise<number> {
  const define = Object.defineProperty;
  let built = 0;
  Object.defineProperty = function <T>(o: T, key: PropertyKey, d: PropertyDescriptor): T {
    if (key === '_zod') built++;
    return define(o, key, d);
  };
  try {
    await fn();
  } finally {
    Object.defineProperty = define;
  }
  return built;
}

afterEach(() => vi.resetModules());

describe('lazily', () => {
  it('builds the value when it is first touched, and only once', () => {
    const build = vi.fn(() => ({ answer: 42 }));
    const value = lazily(build);
    expect(build).not.toHaveBeenCalled();
    expect(value.answer).toBe(42);
    expect('answer' in value).toBe(true);
    expect(Object.keys(value)).toEqual(['answer']);
    expect({ ...value }).toEqual({ answer: 42 });
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('stands in for a zod schema wherever zod takes one', () => {
    const id = lazily(() => z.int().positive());
    const item = lazily(() => z.object({ id, name: z.string().default('unnamed') }));
    const either = lazily(() =>
      z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('one'), item }),
        z.object({ kind: z.literal('none') }),
      ]),
    );
    expect(item).toBeInstanceOf(z.ZodObject);
    expect(item.parse({ id: 3 })).toEqual({ id: 3, name: 'unnamed' });
    expect(Object.keys(item.shape)).toEqual(['id', 'name']);
    expect(item.extend({ size: id.optional() }).parse({ id: 1, size: 2 })).toEqual({
      id: 1,
      name: 'unnamed',
      size: 2,
    });
    expect(item.omit({ name: true }).parse({ id: 5 })).toEqual({ id: 5 });
    expect(either.parse({ kind: 'one', item: { id: 2 } })).toEqual({
      kind: 'one',
      item: { id: 2, name: 'unnamed' },
    });
    const refused = item.safeParse({ id: -1 });
    expect(refused.success).toBe(false);
    expect(refused.error).toBeInstanceOf(z.ZodError);
    expect(refused.error!.issues[0]!.path).toEqual(['id']);
    expect(z.toJSONSchema(item)).toMatchObject({
      type: 'object',
      properties: { id: { type: 'integer', exclusiveMinimum: 0 }, name: { default: 'unnamed' } },
    });
  });
});

describe('the shared schemas', () => {
  it('are not built by loading the modules that define them', async () => {
    const built = await schemasBuiltBy(async () => {
      await import('../../shared/schemas.ts');
      await import('../../shared/settings.ts');
      await import('../../shared/users.ts');
      await import('../../shared/sources.ts');
      await import('../../shared/admin-contract.ts');
    });
    expect(built).toBe(0);
  });

  it('are built one method at a time: parsing one call builds its input only', async () => {
    const { adminContract } = await import('../../shared/admin-contract.ts');
    const one = await schemasBuiltBy(() => adminContract.listAccounts.input.parse({}));
    expect(one).toBeGreaterThan(0);
    const all = await schemasBuiltBy(() => {
      for (const m of Object.values(adminContract)) m.input.safeParse({});
    });
    expect(one).toBeLessThan(all / 20);
  });
});
