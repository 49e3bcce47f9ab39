/** `GET /healthz` and the OpenAPI document: served without a key. */
import { API_PREFIX } from '../request-auth.ts';
import type { RouteContext } from './common.ts';

export function registerDocs({ app, root }: RouteContext): void {
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, () => ({
    status: 'ok',
  }));

  app.get(
    `${API_PREFIX}/openapi.json`,
    { config: { public: true }, schema: { hide: true } },
    (_req, reply) =>
      reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(root.swagger()),
  );
}
