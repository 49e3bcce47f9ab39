/**
 * `/mcp`: the partner API for AI assistants (Model Context Protocol, Streamable HTTP, stateless,
 * JSON answers), on the same listener. A POST goes through exactly the REST API's request hook
 * first — the key (Bearer or X-API-Key), its whitelist, its rate limit (every call counts) — and
 * each tool is one of the REST routes' own operations (`routes/*.ts`): the same scope check,
 * the same account from the key, the same caps and hidden money columns, the same error codes.
 * Answers are structured content plus a compact text table; an answer over the size budget is
 * cut, with a note and the cursor of the rest. Each call is journaled like a REST call, under
 * `/mcp` and the tool's name.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PRODUCT_NAME } from '../../shared/brand.ts';
import { PRODUCT_VERSION } from '../version.ts';
import { mapError } from './errors.ts';
import { MCP_PATH, refuse } from './request-auth.ts';
import type { Operation, RouteContext } from './routes/common.ts';
import { meOperation } from './routes/me.ts';
import { offersOperation } from './routes/offers.ts';
import { reportOperations } from './routes/reports.ts';
import { rowOperations } from './routes/rows.ts';
import { schemaOperation } from './routes/schema.ts';
import { statsOperation } from './routes/stats.ts';

export { MCP_PATH };

/** The most an answer's structured content may weigh before its rows are cut. */
export const MCP_RESULT_BUDGET_BYTES = 48 * 1024;
/** Rows shown in the text table (all of them are in the structured content). */
const TEXT_ROWS = 25;

const INSTRUCTIONS = `${PRODUCT_NAME} serves one partner's own data from their network: reports their account manager shared, ad-hoc statistics, and their clicks, conversions and leads row by row. Start with account_info (time zone, currency, rate limit left, data freshness) and report_schema (what this key may ask for). Dates are YYYY-MM-DD in the account's time zone unless tz is given. Money is in major units of each row's currency. Pages: pass paging.next_cursor as cursor.`;

/** A tool's answer as text: a table of the rows (the first few), the totals, and the paging. */
function textOf(body: Record<string, unknown>, note: string | null): string {
  const lines: string[] = [];
  const table = (rows: Record<string, unknown>[], columns: string[]) => {
    lines.push(columns.join(' | '));
    for (const r of rows.slice(0, TEXT_ROWS))
      lines.push(
        columns
          .map((c) =>
            r[c] === null || r[c] === undefined ? '' : JSON.stringify(r[c]).replace(/^"|"$/g, ''),
          )
          .join(' | '),
      );
    if (rows.length > TEXT_ROWS)
      lines.push(`… ${rows.length - TEXT_ROWS} more rows in the structured content`);
  };
  const rows = (body.rows ?? body.data) as Record<string, unknown>[] | undefined;
  if (Array.isArray(rows)) {
    const columns = Array.isArray(body.columns)
      ? (body.columns as { id: string }[]).map((c) => c.id)
      : Object.keys(rows[0] ?? {});
    const range = body.range as { from: string; to: string; timezone: string } | undefined;
    if (range) lines.push(`${range.from} to ${range.to} (${range.timezone}), ${rows.length} rows`);
    if (rows.length) table(rows, columns);
    const totals = body.totals as Record<string, unknown>[] | undefined;
    if (totals?.length) {
      lines.push('totals:');
      table(totals, columns);
    }
    const next = (body.paging as { next_cursor?: string | null } | undefined)?.next_cursor;
    if (next) lines.push(`more: call again with cursor=${next}`);
    if (typeof body.notice === 'string') lines.push(body.notice);
  } else lines.push(JSON.stringify(body, null, 1));
  if (note) lines.push(note);
  return lines.join('\n');
}

const rowsOf = (body: Record<string, unknown>) =>
  ((body.rows ?? body.data) as unknown[] | undefined)?.length ?? 0;

/**
 * Runs an operation for a tool call, as the REST route would, cutting a page over the budget
 * (asked again with fewer rows, so its cursor continues exactly after the last row kept).
 */
function runWithinBudget(
  req: FastifyRequest,
  op: Operation,
  args: Record<string, unknown>,
): { body: Record<string, unknown>; note: string | null } {
  let body = op.run(req, args) as Record<string, unknown>;
  let note: string | null = null;
  while (
    typeof args.limit === 'number' &&
    rowsOf(body) > 1 &&
    Buffer.byteLength(JSON.stringify(body)) > MCP_RESULT_BUDGET_BYTES
  ) {
    const limit = Math.max(1, Math.floor(rowsOf(body) / 2));
    args = { ...args, limit };
    body = op.run(req, args) as Record<string, unknown>;
    note = `Cut to ${limit} rows to fit the answer's size (${MCP_RESULT_BUDGET_BYTES / 1024} KiB); pass paging.next_cursor as cursor for the rest.`;
  }
  return { body, note };
}

export function registerMcp(context: RouteContext): void {
  const { root, core } = context;
  const reports = reportOperations(context);
  const rows = rowOperations(context);
  const ops: Operation[] = [
    meOperation(context),
    schemaOperation(context),
    reports.list,
    reports.runReport,
    statsOperation(context).stats,
    ...rows.ops,
    rows.conversion,
    offersOperation(context),
  ];

  /** One tool call on this request: refusals are MCP tool errors with the REST codes. */
  const call = (req: FastifyRequest, op: Operation, args: Record<string, unknown>) => {
    req.journalRoute = `${MCP_PATH} ${op.tool}`;
    try {
      const { body, note } = runWithinBudget(req, op, args);
      return {
        content: [{ type: 'text' as const, text: textOf(body, note) }],
        structuredContent: body,
      };
    } catch (e) {
      const mapped = mapError(core.explainError(e), req.id);
      req.errorCode = mapped.body.error.code;
      req.journalStatus = mapped.status;
      return {
        isError: true,
        content: [
          {
            type: 'text' as const,
            text: `${mapped.body.error.code}: ${mapped.body.error.message}`,
          },
          { type: 'text' as const, text: JSON.stringify(mapped.body) },
        ],
      };
    }
  };

  function server(req: FastifyRequest): McpServer {
    const s = new McpServer(
      { name: PRODUCT_NAME, version: PRODUCT_VERSION },
      { instructions: INSTRUCTIONS },
    );
    for (const op of ops)
      s.registerTool(
        op.tool,
        {
          title: op.summary,
          description: op.description,
          inputSchema: op.input,
          outputSchema: op.output,
          annotations: { readOnlyHint: true, openWorldHint: false },
        },
        (args: Record<string, unknown>) => call(req, op, args),
      );
    registerPrompts(s);
    return s;
  }

  root.post(MCP_PATH, { schema: { hide: true } }, async (req, reply) => {
    if (!req.auth?.key.allowMcp)
      return refuse(
        req,
        reply,
        403,
        'mcp_not_allowed',
        'This key may not be used by AI assistants (MCP); ask your account manager to allow it, or call the REST API.',
      );
    const s = server(req);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    // The transport writes the answer itself; the request hook's headers go with it.
    void reply.hijack();
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) reply.raw.setHeader(name, value);
    reply.raw.on('close', () => {
      void transport.close();
      void s.close();
    });
    await s.connect(transport);
    await transport.handleRequest(req.raw, reply.raw, req.body);
  });

  const notPost = (req: FastifyRequest, reply: FastifyReply) =>
    refuse(
      req,
      reply,
      405,
      'method_not_allowed',
      `${MCP_PATH} answers POST only (stateless Streamable HTTP, JSON answers).`,
    ).header('allow', 'POST');
  root.get(MCP_PATH, { schema: { hide: true } }, notPost);
  root.delete(MCP_PATH, { schema: { hide: true } }, notPost);
}

function registerPrompts(s: McpServer): void {
  s.registerPrompt(
    'top_sub_ids_last_week',
    {
      title: 'My top sub IDs last week',
      description: 'Which sub IDs converted best over the last seven days.',
      argsSchema: { sub: z.enum(['sub1', 'sub2', 'sub3', 'sub4', 'sub5']).optional() },
    },
    ({ sub }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Call account_info for my time zone, then stats with dataset=performance, group_by=${sub ?? 'sub1'}, metrics=clicks,conversions,cr,payout, from seven days ago to yesterday. Rank the ${sub ?? 'sub1'} values by conversions, show the top ten with their conversion rate and payout, and say which ones have clicks but no conversions.`,
          },
        },
      ],
    }),
  );
  s.registerPrompt(
    'compare_this_month_with_last',
    {
      title: 'This month compared with last',
      description:
        'Clicks, conversions and payout this month to date against the same days of last month.',
    },
    () => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: 'Call account_info for my time zone and today’s date there. Then call stats with dataset=performance, group_by=offer, metrics=clicks,conversions,payout twice: for this month from its first day to yesterday, and for the same days of last month. Compare them offer by offer and in total, with the change in percent, and name what moved most.',
          },
        },
      ],
    }),
  );
  s.registerPrompt(
    'why_are_conversions_pending',
    {
      title: 'Why are my conversions pending?',
      description:
        'The pending conversions, their age and their offers, and what usually decides them.',
    },
    () => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: 'Call search_conversions with status=pending over the last 30 days (page through next_cursor). Group them by offer and by age in days, show the oldest, and compare with stats dataset=conversions, group_by=offer,status, metrics=conversions for the same range. Explain that pending conversions wait for the advertiser’s approval, and which offers to ask my account manager about.',
          },
        },
      ],
    }),
  );
}
