/** Touches on the generated OpenAPI document that the zod transform cannot express. */
import type { jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type Doc = ReturnType<typeof jsonSchemaTransformObject>;

interface Operation {
  parameters?: { name: string; in: string }[];
  responses?: Record<string, { content?: Record<string, unknown>; description?: string }>;
}

/**
 * Endpoints with a `format` parameter also answer `text/csv` (and row endpoints
 * `application/x-ndjson`); the document says so, so it matches what is really sent.
 */
export function addAlternateContentTypes(doc: Doc): Doc {
  const paths = (doc as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const [path, ops] of Object.entries(paths)) {
    for (const op of Object.values(ops)) {
      const ok = op.responses?.['200'];
      if (!ok?.content || !op.parameters?.some((p) => p.name === 'format' && p.in === 'query'))
        continue;
      ok.content['text/csv'] = {
        schema: {
          type: 'string',
          description:
            'RFC 4180 CSV with a header line; formula-like cells are prefixed with a quote.',
        },
      };
      if (!path.includes('/reports/')) {
        ok.content['application/x-ndjson'] = {
          schema: { type: 'string', description: 'One JSON object per line.' },
        };
      }
    }
  }
  return doc;
}
