/**
 * Builds what `npm run build` builds (admin UI, preload, desktop main) once, before any test
 * reads out/: a fresh clone has none, and tests never rebuild it under one another.
 */
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

export default async function setup(): Promise<void> {
  // The test runner sets NODE_ENV=test; the UI under test is the production build users get.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    for (const config of [
      '../renderer/vite.config.ts',
      '../preload/vite.config.ts',
      '../main/desktop/vite.config.ts',
    ]) {
      await build({
        configFile: fileURLToPath(new URL(config, import.meta.url)),
        mode: 'production',
        logLevel: 'warn',
      });
    }
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
