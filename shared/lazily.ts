/**
 * A value built the first time anything touches it. Schemas are built this way: building one
 * costs far more than parsing with it once, and a command-line call parses with one or two of
 * the hundreds a module defines, so it builds only those.
 *
 * The value stands behind a proxy that forwards every operation to the built object, so code
 * using it (zod composing it into other schemas, `instanceof`, `.shape`, `.extend`) cannot tell.
 * Only objects can be built lazily; a primitive has nothing to stand behind.
 */
export function lazily<T extends object>(build: () => T): T {
  let built: T | undefined;
  const real = (): T => (built ??= build());
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(real(), key),
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    // Reported as configurable: a proxy may only call a property fixed if its own stand-in
    // object holds it fixed, and the stand-in holds nothing.
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      return d && { ...d, configurable: true };
    },
    defineProperty: (_, key, d) => Reflect.defineProperty(real(), key, d),
    deleteProperty: (_, key) => Reflect.deleteProperty(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
