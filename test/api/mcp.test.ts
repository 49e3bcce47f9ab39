/**
 * `/mcp` with the MCP SDK's own client over a real socket: initialize, list the tools, call each
 * one, page, and every refusal answered with the REST API's codes — and, for random keys'
 * queries, the same answers as the REST routes give.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { MCP_RESULT_BUDGET_BYTES } from '../../main/api/mcp.ts';
import type { Core } from '../../main/core.ts';
import { randomBytes } from 'node:crypto';
import { openCore } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { storeOf } from '../helpers.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from './http.ts';

let core: Core;
let listener: ListenerController;
let base: string;
let full: string;
let partnerId: number;

async function connect(secret: string, header: 'bearer' | 'x-api-key' = 'bearer') {
  const client = new Client({ name: 'partnergate-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: {
      headers:
        header === 'bearer' ? { authorization: `Bearer ${secret}` } : { 'x-api-key': secret },
    },
  });
  await client.connect(transport);
  return client;
}

type ToolAnswer = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text: string }[];
};
const callTool = async (c: Client, name: string, args: Record<string, unknown> = {}) =>
  (await c.callTool({ name, arguments: args })) as ToolAnswer;

async function issue(scopes: string[], address = '127.0.0.1', accountId = partnerId) {
  const k = await core.keys.issue({
    accountId,
    label: `mcp ${scopes.join(' ')}`,
    scopes: scopes as never,
  });
  core.ipRules.add({ keyId: k.key.id, kind: 'single', address });
  return k;
}

beforeAll(async () => {
  // One store for the file (testCore's would close after the first test).
  core = openCore({
    dataDir: mkdtempSync(join(tmpdir(), 'pg-mcp-')),
    actor: 'test',
    secretBox: masterKeyBox(randomBytes(32)),
    settings: memorySettingsStore({ listener: { host: '127.0.0.1', port: 0 } }),
  });
  await core.demoData({ scale: 'small', seed: 3 });
  partnerId = core.accounts.list().find((a) => a.kind === 'affiliate')!.id;
  listener = new ListenerController(core, { journalIntervalMs: 50 });
  base = (await listener.start()).addresses[0]!.url;
  full = (
    await issue(['reports:read', 'stats:read', 'conversions:read', 'clicks:read', 'offers:read'])
  ).secret;
});
afterAll(async () => {
  await listener.stop();
  core.close();
});

describe('the MCP endpoint', () => {
  it('initializes, lists read-only tools with the REST parameters, and answers each', async () => {
    const c = await connect(full);
    expect(c.getServerVersion()?.name).toBe('Partnergate');
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'account_info',
        'get_conversion',
        'list_offers',
        'list_reports',
        'report_schema',
        'run_report',
        'search_clicks',
        'search_conversions',
        'search_leads',
        'stats',
      ].sort(),
    );
    for (const t of tools) expect(t.annotations?.readOnlyHint).toBe(true);
    const stats = tools.find((t) => t.name === 'stats')!;
    expect(stats.inputSchema.required).toEqual(['dataset', 'metrics']);

    const me = await callTool(c, 'account_info');
    expect(me.structuredContent).toMatchObject({ account: { id: partnerId } });
    const schema = await callTool(c, 'report_schema');
    const datasets = (
      schema.structuredContent!.datasets as { metrics: { id: string }[] }[]
    ).flatMap((d) => d.metrics.map((m) => m.id));
    // Revenue and profit are the network's: never shown to partners.
    expect(datasets).not.toContain('revenue');
    expect(datasets).not.toContain('profit');
    const reports = await callTool(c, 'list_reports');
    const list = reports.structuredContent!.reports as { id: number }[];
    if (list.length) {
      const run = await callTool(c, 'run_report', { id: list[0]!.id });
      expect(run.isError).toBeFalsy();
      expect(run.content[0]!.text).toMatch(/ to .* rows/);
    }
    const offers = await callTool(c, 'list_offers');
    expect(Array.isArray(offers.structuredContent!.offers)).toBe(true);
    const rows = await callTool(c, 'search_conversions', { limit: 5 });
    expect((rows.structuredContent!.data as unknown[]).length).toBeLessThanOrEqual(5);
    const prompts = await c.listPrompts();
    expect(prompts.prompts.map((p) => p.name)).toContain('top_sub_ids_last_week');
    await c.close();
  });

  it('finds one conversion by its transaction id, as REST does, and never another partner’s', async () => {
    const c = await connect(full);
    const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    const wide = { from: day(300), to: day(0) };
    const some = await callTool(c, 'search_conversions', { limit: 1, ...wide });
    const first = (some.structuredContent!.data as { transaction_id: string }[])[0]!;
    const found = await callTool(c, 'get_conversion', { transaction_id: first.transaction_id });
    expect(found.structuredContent).toEqual({ data: first });
    const rest = await request(
      `${base}/api/v1/conversions/by-transaction/${encodeURIComponent(first.transaction_id)}`,
      { headers: { authorization: `Bearer ${full}` } },
    );
    expect(rest.status).toBe(200);
    expect(rest.json()).toEqual(found.structuredContent);
    expect(found.content[0]!.text).toContain(first.transaction_id);

    // Another partner's transaction id is not found, not shown.
    const other = storeOf(core)
      .prepare('SELECT transaction_id AS t FROM conversions WHERE partner_id <> ? LIMIT 1')
      .get(partnerId) as { t: string };
    const hidden = await callTool(c, 'get_conversion', { transaction_id: other.t });
    expect(hidden.isError).toBe(true);
    expect(hidden.content[0]!.text).toMatch(/^not_found: No conversion with transaction id/);
    const hiddenRest = await request(
      `${base}/api/v1/conversions/by-transaction/${encodeURIComponent(other.t)}`,
      { headers: { authorization: `Bearer ${full}` } },
    );
    expect(hiddenRest.status).toBe(404);
    const partnerParam = await request(
      `${base}/api/v1/conversions/by-transaction/${encodeURIComponent(first.transaction_id)}?partner=${partnerId}`,
      { headers: { authorization: `Bearer ${full}` } },
    );
    expect(partnerParam.json<{ error: { code: string } }>().error.code).toBe('invalid_parameters');
    await c.close();
  });

  it('pages with the cursor, neither skipping nor repeating a row', async () => {
    const c = await connect(full, 'x-api-key');
    const seen: unknown[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 4; i++) {
      const page = await callTool(c, 'search_clicks', { limit: 7, ...(cursor && { cursor }) });
      expect(page.isError, page.content[0]?.text).toBeFalsy();
      const data = page.structuredContent!.data as { id: unknown }[];
      seen.push(...data.map((r) => r.id));
      cursor =
        (page.structuredContent!.paging as { next_cursor: string | null }).next_cursor ?? undefined;
      if (!cursor) break;
    }
    // A page over the size budget is cut, said in the text, and its cursor goes on from there.
    const wide = {
      from: new Date(Date.now() - 300 * 86_400_000).toISOString().slice(0, 10),
      to: new Date().toISOString().slice(0, 10),
    };
    const big = await callTool(c, 'search_clicks', { limit: 5000, ...wide });
    const bigRows = big.structuredContent!.data as { id: unknown }[];
    expect(Buffer.byteLength(JSON.stringify(big.structuredContent))).toBeLessThanOrEqual(
      MCP_RESULT_BUDGET_BYTES,
    );
    expect(bigRows.length).toBeGreaterThan(10);
    expect(big.content[0]!.text).toMatch(/Cut to \d+ rows to fit .* pass paging.next_cursor/);
    const after = await callTool(c, 'search_clicks', {
      limit: 1,
      ...wide,
      cursor: (big.structuredContent!.paging as { next_cursor: string }).next_cursor,
    });
    const restAll = await request(
      `${base}/api/v1/clicks?limit=${bigRows.length + 1}&from=${wide.from}&to=${wide.to}`,
      {
        headers: { authorization: `Bearer ${full}` },
      },
    );
    expect((after.structuredContent!.data as { id: unknown }[])[0]!.id).toEqual(
      restAll.json<{ data: { id: unknown }[] }>().data[bigRows.length]!.id,
    );
    const rest = await request(`${base}/api/v1/clicks?limit=28`, {
      headers: { authorization: `Bearer ${full}` },
    });
    const restIds = (JSON.parse(rest.text) as { data: { id: unknown }[] }).data.map((r) => r.id);
    expect(seen).toEqual(restIds.slice(0, seen.length));
    expect(new Set(seen).size).toBe(seen.length);
    await c.close();
  });

  it('refuses as REST does: scope, address, rate limit, no key, and says so with the same codes', async () => {
    const statsOnlyKey = await issue(['stats:read']);
    const statsOnly = statsOnlyKey.secret;
    const c = await connect(statsOnly);
    const refused = await callTool(c, 'search_conversions');
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(
      /^insufficient_scope: This key lacks the conversions:read permission/,
    );
    const revenue = await callTool(c, 'stats', { dataset: 'performance', metrics: 'revenue' });
    expect(revenue.isError).toBe(true);
    const restRevenue = await request(`${base}/api/v1/stats?dataset=performance&metrics=revenue`, {
      headers: { authorization: `Bearer ${statsOnly}` },
    });
    expect(restRevenue.status).toBe(422);
    expect(revenue.content[0]!.text.split(':')[0]).toBe(
      restRevenue.json<{ error: { code: string } }>().error.code,
    );
    await c.close();

    // The account manager can keep a key off MCP; keys that only write are off by default.
    const off = await core.keys.issue({
      accountId: partnerId,
      label: 'no assistants',
      scopes: ['reports:read'],
      allowMcp: false,
    });
    core.ipRules.add({ keyId: off.key.id, kind: 'single', address: '127.0.0.1' });
    await expect(connect(off.secret)).rejects.toThrow(/mcp_not_allowed/);
    const rest = await request(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${off.secret}` },
    });
    expect(rest.json<{ key: { allows_mcp: boolean } }>().key.allows_mcp).toBe(false);
    core.keys.update({ id: off.key.id, allowMcp: true });
    await (await connect(off.secret)).close();
    const writer = await core.keys.issue({
      accountId: partnerId,
      label: 'postbacks',
      scopes: ['conversions:write'],
    });
    expect(writer.key.allowMcp).toBe(false);
    core.settings.update((x) => ({ ...x, keys: { ...x.keys, mcpByDefault: false } }));
    const later = await issue(['reports:read']);
    expect(later.key.allowMcp).toBe(false);
    core.settings.update((x) => ({ ...x, keys: { ...x.keys, mcpByDefault: true } }));

    const elsewhere = (await issue(['reports:read'], '10.9.9.9')).secret;
    await expect(connect(elsewhere)).rejects.toThrow(/ip_not_allowed/);
    await expect(connect('pgk_wrong')).rejects.toThrow(/invalid_api_key|401/);

    const slow = await core.keys.issue({
      accountId: partnerId,
      label: 'slow',
      scopes: ['reports:read'],
      rateLimit: { count: 3, windowMs: 60_000 },
    });
    core.ipRules.add({ keyId: slow.key.id, kind: 'single', address: '127.0.0.1' });
    // Every request counts, tool calls included: the fourth call of the window is refused.
    const limited = await connect(slow.secret);
    let refused429: unknown = null;
    for (let i = 0; i < 3 && !refused429; i++)
      await callTool(limited, 'account_info').catch((e: unknown) => (refused429 = e));
    expect(String(refused429)).toMatch(/"code":"rate_limited"/);

    // The calls are in the key's journal, tool by tool, refusals included.
    await new Promise((r) => setTimeout(r, 300));
    const usage = core.usage.refusalsByKey(0).filter((r) => r.keyId === slow.key.id);
    expect(usage.map((u) => u.code)).toContain('rate_limited');
    const journaled = storeOf(core)
      .prepare(
        `SELECT route, status, error_code AS code FROM request_journal WHERE key_id = ? AND route LIKE '/mcp%'`,
      )
      .all(statsOnlyKey.key.id);
    expect(journaled).toContainEqual({
      route: '/mcp search_conversions',
      status: 403,
      code: 'insufficient_scope',
    });
  });

  it('answers as the REST routes do for the same query (random ranges, filters and pages)', async () => {
    const c = await connect(full);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          back: fc.integer({ min: 0, max: 40 }),
          days: fc.integer({ min: 0, max: 20 }),
          limit: fc.integer({ min: 1, max: 50 }),
          group: fc.constantFrom('day', 'offer', 'country', 'day,offer', 'sub1'),
          tool: fc.constantFrom('stats', 'search_conversions', 'search_clicks'),
        }),
        async ({ back, days, limit, group, tool }) => {
          const day = (n: number) =>
            new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
          const range = { from: day(back + days), to: day(back) };
          const args: Record<string, unknown> =
            tool === 'stats'
              ? {
                  dataset: 'performance',
                  group_by: group,
                  metrics: 'clicks,conversions,payout',
                  limit,
                  ...range,
                }
              : { limit, ...range };
          const mcp = await callTool(c, tool, args);
          if (mcp.isError && !mcp.content[1]) throw new Error(mcp.content[0]!.text);
          const path = tool === 'stats' ? 'stats' : tool.replace('search_', '');
          const qs = new URLSearchParams(
            Object.entries(args).map(([k, v]): [string, string] => [k, String(v)]),
          ).toString();
          const rest = await request(`${base}/api/v1/${path}?${qs}`, {
            headers: { authorization: `Bearer ${full}` },
          });
          if (rest.status !== 200) {
            expect(mcp.isError).toBe(true);
            expect(mcp.content[0]!.text.split(':')[0]).toBe(
              (JSON.parse(rest.text) as { error: { code: string } }).error.code,
            );
          } else expect(mcp.structuredContent).toEqual(JSON.parse(rest.text));
        },
      ),
      { numRuns: 25 },
    );
    await c.close();
  });

  it('answers a published MCP client, the MCP Inspector’s command line', async () => {
    const build = fileURLToPath(
      new URL('../../node_modules/@modelcontextprotocol/inspector-cli/build/', import.meta.url),
    );
    const inspector = (args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [
          join(build, 'index.js'),
          `${base}/mcp`,
          '--transport',
          'http',
          '--header',
          `Authorization: Bearer ${full}`,
          ...args,
        ],
        // It looks for its own package.json from the working directory.
        { timeout: 60_000, cwd: build },
      );
    const listed = JSON.parse((await inspector(['--method', 'tools/list'])).stdout) as {
      tools: { name: string }[];
    };
    expect(listed.tools.map((t) => t.name)).toContain('run_report');
    const me = JSON.parse(
      (await inspector(['--method', 'tools/call', '--tool-name', 'account_info'])).stdout,
    ) as { structuredContent: { account: { id: number } } };
    expect(me.structuredContent.account.id).toBe(partnerId);
  });
});
