/** `GET /handout/<token>`: a key's handout, for the partner to open from the link they were sent. */
import { z } from 'zod';
import { HANDOUT_FORMATS } from '../../../shared/admin-contract.ts';
import { HANDOUT_PATH } from '../../services/handouts.ts';
import { sendRaw, type RouteContext } from './common.ts';

const formats = z.object({ format: z.enum(HANDOUT_FORMATS).default('html') });

export function registerHandout({ app, core, o }: RouteContext): void {
  app.get(
    `${HANDOUT_PATH}/:token`,
    {
      config: { handout: true },
      schema: {
        hide: true,
        params: z.object({ token: z.string().max(100) }),
        querystring: formats,
      },
    },
    async (req, reply) => {
      const listener = o.handoutEndpoints();
      // The address the partner opened the link at comes first: they can reach it.
      const here = `${req.protocol}://${req.host}`;
      const file = await core.handouts.render(req.auth!.key.id, {
        format: req.query.format,
        endpoints: {
          ...listener,
          urls: [here, ...listener.urls.filter((u) => u !== here)],
          maxRangeDays: o.maxRangeDays,
        },
      });
      void reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('x-robots-tag', 'noindex')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      sendRaw(reply, file.contentType, file.body, file.filename);
    },
  );
}
