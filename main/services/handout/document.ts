/**
 * A partner's handout, as one template: the facts about a key (its partner, addresses, rules,
 * reports) become a list of blocks that the Markdown, HTML and PDF writers each lay out. Every
 * request in it reads the key from the `PARTNERGATE_KEY` environment variable, so the handout
 * can go by e-mail without the key and every command in it runs as printed.
 */
import type { Scope } from '../../../shared/scopes.ts';
import { CA_FILE, PRODUCT_NAME } from '../../../shared/brand.ts';
import { plural } from '../../../shared/words.ts';

export interface HandoutReport {
  id: number;
  name: string;
  description: string;
  dataset: string;
  timezone: string;
  defaultRange: string;
  /** Filters the partner may set when running it (`country=DE,FR`). */
  parameters: { id: string; label: string }[];
}

export interface HandoutFacts {
  generatedAt: number;
  partner: { name: string; kind: 'affiliate' | 'ib' | 'employee'; timezone: string };
  key: {
    id: number;
    label: string;
    displayPrefix: string;
    scopes: readonly Scope[];
    expiresAt: number | null;
    rateLimit: { count: number; windowMs: number };
    allowQueryAuth: boolean;
    allowMcp: boolean;
    /** The whitelist as written (`203.0.113.7`, `10.0.0.0/24`). */
    addresses: string[];
    openToEveryAddress: boolean;
  };
  /** The key itself, only when the account manager chose to include it. */
  secret: string | null;
  /** Where the listener answers, the address partners most likely reach first. */
  baseUrls: string[];
  /** HTTPS with Partnergate's own certificate authority: how a partner trusts it. */
  ownCa: { pem: string; fingerprint: string; pin: string } | null;
  reports: HandoutReport[];
  /** The offers running now, for postbacks that name one. */
  offers: { id: number; name: string }[];
  /** Longest range one request may cover, in days. */
  maxRangeDays: number;
}

export type Block =
  | { kind: 'title'; text: string; subtitle: string }
  | { kind: 'h2'; text: string }
  | { kind: 'h3'; text: string }
  /** Text with `code` spans. */
  | { kind: 'p'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; head: string[]; rows: string[][] }
  /**
   * A code block. `run` marks what a partner runs as printed (a shell or Python); `file` what
   * they save under that name.
   */
  | {
      kind: 'code';
      lang: 'sh' | 'python' | 'json' | 'powershell' | 'text';
      text: string;
      run?: boolean;
      file?: string;
    };

export const KEY_VARIABLE = 'PARTNERGATE_KEY';

const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `minute`, `5 minutes`, `hour`: the window of a rate limit, as in "100 requests per minute". */
function windowText(ms: number): string {
  const [n, unit] =
    ms % 3_600_000 === 0
      ? [ms / 3_600_000, 'hour']
      : ms % 60_000 === 0
        ? [ms / 60_000, 'minute']
        : [Math.round(ms / 1000), 'second'];
  return n === 1 ? unit : plural(n, unit);
}

/** What each error means for a partner, and what to do about it. */
export const PARTNER_ERRORS: [status: string, code: string, meaning: string][] = [
  ['400', 'invalid_parameters', 'A parameter is malformed; `details` names each one.'],
  ['401', 'missing_api_key', 'No key was sent: add the `Authorization: Bearer` header.'],
  ['401', 'invalid_api_key', 'The key is not one we know: check it was copied whole.'],
  ['401', 'key_expired', 'The key has expired: ask your account manager to extend it.'],
  ['401', 'key_revoked', 'The key was revoked: ask your account manager for a new one.'],
  ['401', 'query_auth_not_allowed', 'This key may not be sent in the URL: use the header.'],
  [
    '403',
    'ip_not_allowed',
    'Your address is not on the key’s whitelist; the message names the address we saw: send it to your account manager.',
  ],
  [
    '403',
    'insufficient_scope',
    'The key lacks the permission this call needs (named in the message).',
  ],
  ['403', 'report_not_shared', 'That report is not shared with you.'],
  ['403', 'account_suspended', 'Your account is suspended: contact your account manager.'],
  ['404', 'not_found, report_not_found', 'There is no such path, report or row.'],
  [
    '422',
    'range_too_long, range_end_before_start, incomplete_range, invalid_cursor, too_many_rows',
    'Understood but refused: shorten the range, give both `from` and `to`, or start paging again.',
  ],
  ['429', 'rate_limited', 'Too many requests for the key: wait `Retry-After` seconds, then retry.'],
  [
    '429',
    'too_many_failed_attempts',
    'Too many requests with a wrong key from your address: fix the key, then wait.',
  ],
  [
    '503',
    'database_busy, shutting_down',
    'The server cannot answer right now: retry after `Retry-After` seconds.',
  ],
  [
    '500',
    'internal_error',
    'Something failed on our side: send the `request_id` to your account manager.',
  ],
];

/** The handout for one key, as blocks. */
export function handoutBlocks(f: HandoutFacts): Block[] {
  const base = f.baseUrls[0] ?? 'http://127.0.0.1:8787';
  const https = base.startsWith('https:');
  const ca = https && f.ownCa ? CA_FILE : null;
  const scopes = new Set(f.key.scopes);
  const out: Block[] = [];
  const add = (...b: Block[]) => out.push(...b);

  const curl = (path: string, extra = '') =>
    `curl --fail-with-body ${ca ? `--cacert ${ca} ` : ''}-H "Authorization: Bearer $${KEY_VARIABLE}" \\\n  "${base}${path}"${extra}`;
  const python = (lines: string[]) =>
    [
      'import os',
      'import requests',
      '',
      `BASE = "${base}"`,
      `HEADERS = {"Authorization": f"Bearer {os.environ['${KEY_VARIABLE}']}"}`,
      ...(ca ? [`VERIFY = "${ca}"  # Partnergate's certificate authority, saved above`] : []),
      '',
      ...lines,
    ].join('\n');
  const get = (path: string, params?: string) =>
    `requests.get(f"{BASE}${path}", headers=HEADERS${params ? `, params=${params}` : ''}${ca ? ', verify=VERIFY' : ''}, timeout=60)`;

  add({
    kind: 'title',
    text: `${PRODUCT_NAME} API — ${f.partner.name}`,
    subtitle: `How to pull your data with the key “${f.key.label}” (${f.key.displayPrefix}…). Prepared ${date(f.generatedAt)}.`,
  });
  add({
    kind: 'list',
    items: [
      `Key: \`${f.key.displayPrefix}…\`, ${f.key.expiresAt === null ? 'with no expiry date' : `valid until ${new Date(f.key.expiresAt).toISOString().replace('T', ' ').slice(0, 16)} UTC`}.`,
      `Permissions: ${[...scopes].map((s) => `\`${s}\``).join(', ') || 'none'}.`,
      `Your time zone for reports: \`${f.partner.timezone}\`.`,
      `Limit: ${plural(f.key.rateLimit.count, 'request')} per ${windowText(f.key.rateLimit.windowMs)}.`,
    ],
  });

  add({ kind: 'h2', text: '1. Your key' });
  if (f.secret) {
    add(
      {
        kind: 'p',
        text: 'Your key is below. Keep it secret like a password: anyone holding it reads your data. We keep only a fingerprint of it; if it leaks or is lost, ask your account manager to replace it.',
      },
      { kind: 'code', lang: 'sh', text: `export ${KEY_VARIABLE}='${f.secret}'`, run: true },
    );
  } else {
    add(
      {
        kind: 'p',
        text: `Your account manager sends the key separately (it begins \`${f.key.displayPrefix}\`). Keep it secret like a password. Put it in the \`${KEY_VARIABLE}\` environment variable; every example here reads it from there.`,
      },
      { kind: 'code', lang: 'sh', text: `export ${KEY_VARIABLE}='paste your key here'` },
    );
  }
  add({
    kind: 'p',
    text: `Send it with every request as the header \`Authorization: Bearer <key>\` (or \`X-API-Key: <key>\`).${f.key.allowQueryAuth ? ' This key may also go in the URL as `?api_key=<key>`, for spreadsheets that can send nothing else; URLs end up in logs, so prefer the header.' : ''}`,
  });

  add({ kind: 'h2', text: '2. Where to call' });
  add({
    kind: 'p',
    text:
      f.baseUrls.length > 1
        ? 'The API answers at these addresses; use the one your network reaches (the first is the usual one):'
        : 'The API answers at:',
  });
  add({ kind: 'list', items: (f.baseUrls.length ? f.baseUrls : [base]).map((u) => `\`${u}\``) });
  add({
    kind: 'p',
    text: f.key.openToEveryAddress
      ? 'The key is accepted from any address.'
      : f.key.addresses.length
        ? `Requests are accepted only from ${f.key.addresses.map((a) => `\`${a}\``).join(', ')}. From anywhere else the answer is \`403 ip_not_allowed\`, naming the address we saw: send it to your account manager to have it added.`
        : 'No address is allowed for this key yet: every request is refused with `403 ip_not_allowed` until your account manager adds yours. The refusal names the address we saw.',
  });
  if (https && f.ownCa) {
    add(
      { kind: 'h3', text: 'Trust the certificate' },
      {
        kind: 'p',
        text: `The API uses HTTPS with a certificate from ${PRODUCT_NAME}'s own certificate authority (CA), made for this server. Save the CA as \`${ca}\` next to your scripts; every example here uses it.`,
      },
      {
        kind: 'code',
        lang: 'sh',
        text: `cat > ${ca} <<'PEM'\n${f.ownCa.pem.replace(/\r\n/g, '\n').trim()}\nPEM`,
        run: true,
        file: ca!,
      },
      {
        kind: 'p',
        text: `Check it is ours before you trust it: its SHA-256 fingerprint must be \`${f.ownCa.fingerprint}\`. Compare it with what \`openssl x509 -in ${ca} -noout -fingerprint -sha256\` prints, or with what your account manager reads to you.`,
      },
      {
        kind: 'p',
        text: 'To trust it for every program on a machine (browsers, Excel, AI assistants), add it to the system’s trusted roots:',
      },
      {
        kind: 'list',
        items: [
          `Windows (PowerShell): \`Import-Certificate -FilePath .\\${ca} -CertStoreLocation Cert:\\CurrentUser\\Root\``,
          `macOS: \`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${ca}\``,
          `Debian, Ubuntu: \`sudo cp ${ca} /usr/local/share/ca-certificates/partnergate-ca.crt && sudo update-ca-certificates\``,
          `Node.js programs: start them with \`NODE_EXTRA_CA_CERTS=/full/path/${ca}\`.`,
        ],
      },
      {
        kind: 'p',
        text: `Without the file, cURL can check the server's key itself: \`curl --insecure --pinnedpubkey '${f.ownCa.pin}' …\` (the pin changes if the server's key is ever replaced).`,
      },
    );
  } else if (https) {
    add({
      kind: 'p',
      text: 'The API uses HTTPS with a certificate your system already trusts; nothing to install.',
    });
  } else if (!/^http:\/\/(127\.|\[::1\]|localhost)/.test(base)) {
    add({
      kind: 'note',
      text: 'This server answers over plain HTTP: your key and data cross the network unencrypted. Call it only over a network you trust (a VPN), and ask your account manager about HTTPS.',
    });
  }

  add({ kind: 'h2', text: '3. Check that it works' });
  add(
    {
      kind: 'p',
      text: 'This answers with your account, the key’s limits and how fresh the data is:',
    },
    { kind: 'code', lang: 'sh', text: curl('/api/v1/me'), run: true },
  );

  if (scopes.has('reports:read')) {
    add({ kind: 'h2', text: '4. Your reports' });
    if (!f.reports.length)
      add({
        kind: 'p',
        text: 'No report is shared with you yet; ask your account manager. Once one is, `GET /api/v1/reports` lists it.',
      });
    else
      add({
        kind: 'p',
        text: `Each report runs over its usual range unless you give \`from\` and \`to\` (days, \`YYYY-MM-DD\`, both included, at most ${f.maxRangeDays} days apart). Add \`format=csv\` for a CSV file.`,
      });
    for (const r of f.reports) {
      add({ kind: 'h3', text: `${r.name} (report ${r.id})` });
      add({
        kind: 'p',
        text: `${r.description ? `${r.description.replace(/\s+/g, ' ').trim()} ` : ''}Data: ${r.dataset}; days cut in \`${r.timezone}\`; usual range: ${r.defaultRange.replace(/_/g, ' ')}.${r.parameters.length ? ` You may narrow it by ${r.parameters.map((p) => `\`${p.id}\` (${p.label})`).join(', ')}, values separated by commas.` : ''}`,
      });
      add(
        { kind: 'code', lang: 'sh', text: curl(`/api/v1/reports/${r.id}`), run: true },
        {
          kind: 'code',
          lang: 'sh',
          text: curl(`/api/v1/reports/${r.id}?format=csv`, ` \\\n  -o report-${r.id}.csv`),
          run: true,
        },
        {
          kind: 'code',
          lang: 'python',
          text: python([
            `response = ${get(`/api/v1/reports/${r.id}`)}`,
            'response.raise_for_status()',
            'report = response.json()',
            'for row in report["rows"]:',
            '    print(row)',
          ]),
          run: true,
        },
      );
    }
  }

  const rowTables = (['conversions', 'clicks', 'leads'] as const).filter((t) =>
    scopes.has(`${t}:read` as Scope),
  );
  if (rowTables.length) {
    const t = rowTables[0]!;
    add({
      kind: 'h2',
      text: `${scopes.has('reports:read') ? '5' : '4'}. Row by row: paging and syncing`,
    });
    add({
      kind: 'p',
      text: `${rowTables.map((x) => `\`/api/v1/${x}\``).join(', ')} ${rowTables.length === 1 ? 'returns' : 'return'} your rows one page at a time (\`limit\`, up to 10000; the last 7 days unless you give \`from\` and \`to\`). Pass \`paging.next_cursor\` as \`cursor\` for the next page until it is null: no row is skipped or repeated while new ones arrive.`,
    });
    if (t !== 'clicks')
      add({
        kind: 'p',
        text: `To keep a copy up to date, remember when each sync started and pass it next time as \`updated_since\` (an instant such as \`2026-11-20T10:00:00Z\`): you get only the ${t} stored or changed since — a status, an amount — within \`from\`/\`to\`.`,
      });
    if (scopes.has('conversions:read'))
      add({
        kind: 'p',
        text: 'One conversion by your transaction id: `GET /api/v1/conversions/by-transaction/<transaction id>`.',
      });
    add({
      kind: 'code',
      lang: 'python',
      text: python([
        `params = {"limit": 1000}${t !== 'clicks' ? '  # next time add "updated_since": the start of this sync' : ''}`,
        'rows = []',
        'while True:',
        `    response = ${get(`/api/v1/${t}`, 'params')}`,
        '    response.raise_for_status()',
        '    page = response.json()',
        '    rows += page["data"]',
        '    if not page["paging"]["next_cursor"]:',
        '        break',
        '    params["cursor"] = page["paging"]["next_cursor"]',
        `print(len(rows), "${t}")`,
      ]),
      run: true,
    });
    add({
      kind: 'code',
      lang: 'sh',
      text: curl(`/api/v1/${t}?format=csv`, ` \\\n  -o ${t}.csv`),
      run: true,
    });
  }

  if (scopes.has('conversions:write')) {
    add({ kind: 'h2', text: 'Sending conversions (postbacks)' });
    add(
      {
        kind: 'p',
        text: 'Send each conversion once it happens; send it again with a new status or amount when it changes. Your transaction ids are your own: the first sending answers `201`, a repeat `200 updated` or `200 unchanged`.',
      },
      ...(f.offers.length
        ? [
            {
              kind: 'p' as const,
              text: `Offers running now (\`offer_id\`): ${f.offers
                .slice(0, 20)
                .map((o) => `${o.id} (${o.name})`)
                .join(
                  ', ',
                )}${f.offers.length > 20 ? '; `GET /api/v1/offers` lists them all' : ''}.`,
            },
          ]
        : []),
      {
        kind: 'code',
        lang: 'sh',
        text: `curl --fail-with-body ${ca ? `--cacert ${ca} ` : ''}-H "Authorization: Bearer $${KEY_VARIABLE}" \\\n  -H 'Content-Type: application/json' \\\n  -d '{"transaction_id": "order-1001", "offer_id": ${f.offers[0]?.id ?? 1}, "status": "pending", "payout": "12.50"}' \\\n  "${base}/api/v1/conversions"`,
      },
    );
  }

  add({ kind: 'h2', text: 'Rate limit' });
  add({
    kind: 'p',
    text: `The key may make ${plural(f.key.rateLimit.count, 'request')} per ${windowText(f.key.rateLimit.windowMs)}. Every answer says how many are left (\`RateLimit-Remaining\`) and when the window resets (\`RateLimit-Reset\`, seconds). Beyond it the answer is \`429 rate_limited\` with \`Retry-After\`: wait that many seconds and send the same request again. Schedule your pulls (every hour is plenty: the data refreshes as conversions arrive) rather than polling.`,
  });

  add({ kind: 'h2', text: 'Errors' });
  add({
    kind: 'p',
    text: 'Every error has the shape `{"error": {"code", "message", "request_id", "details"}}`. The code says what happened:',
  });
  add({ kind: 'table', head: ['Status', 'Code', 'What it means for you'], rows: PARTNER_ERRORS });

  add({ kind: 'h2', text: 'AI assistants (MCP)' });
  if (!f.key.allowMcp)
    add({
      kind: 'p',
      text: 'This key may not be used by AI assistants; ask your account manager if you want to.',
    });
  else add(...mcpBlocks(`${base}/mcp`, ca));

  add({ kind: 'h2', text: 'Reference' });
  add({
    kind: 'p',
    text: `Every endpoint and parameter: \`${base}/api/v1/docs\` (the OpenAPI document: \`${base}/api/v1/openapi.json\`). Questions: your account manager.`,
  });
  return out;
}

/** MCP set-up for the common assistants, with the key read from where each keeps secrets. */
function mcpBlocks(url: string, ca: string | null): Block[] {
  const plainRemote = url.startsWith('http:') && !/^http:\/\/(127\.|localhost)/.test(url);
  const caEnv = ca ? `NODE_EXTRA_CA_CERTS=/full/path/${ca} ` : '';
  return [
    {
      kind: 'p',
      text: `Ask an AI assistant about your own data in plain words (“which sub IDs converted best last week?”). It connects to \`${url}\` with the same key, sees only what the key may see, and every question counts against the rate limit. The assistants below take the key from an environment variable or ask for it; it is never written in a shared file.${ca ? ` They need Partnergate's CA trusted (see “Trust the certificate”).` : ''}`,
    },
    { kind: 'h3', text: 'Claude Code' },
    {
      kind: 'code',
      lang: 'sh',
      text: `claude mcp add --transport http partnergate ${url} \\\n  --header "Authorization: Bearer $${KEY_VARIABLE}"${ca ? `\n# start Claude Code with the CA trusted:\n${caEnv}claude` : ''}`,
    },
    { kind: 'h3', text: 'Claude Desktop' },
    {
      kind: 'p',
      text: 'In Settings → Developer → Edit Config (`claude_desktop_config.json`), through the `mcp-remote` bridge (Node.js needed); put your key after `Bearer `:',
    },
    {
      kind: 'code',
      lang: 'json',
      text: JSON.stringify(
        {
          mcpServers: {
            partnergate: {
              command: 'npx',
              args: [
                '-y',
                'mcp-remote',
                url,
                '--header',
                'Authorization:${PARTNERGATE_AUTH}',
                ...(plainRemote ? ['--allow-http'] : []),
              ],
              env: {
                PARTNERGATE_AUTH: 'Bearer paste-your-key-here',
                ...(ca && { NODE_EXTRA_CA_CERTS: `/full/path/${ca}` }),
              },
            },
          },
        },
        null,
        2,
      ),
    },
    { kind: 'h3', text: 'Cursor' },
    {
      kind: 'p',
      text: `In \`~/.cursor/mcp.json\`; Cursor reads \`${KEY_VARIABLE}\` from its environment:`,
    },
    {
      kind: 'code',
      lang: 'json',
      text: JSON.stringify(
        {
          mcpServers: {
            partnergate: {
              url,
              headers: { Authorization: `Bearer \${env:${KEY_VARIABLE}}` },
            },
          },
        },
        null,
        2,
      ),
    },
    { kind: 'h3', text: 'VS Code' },
    {
      kind: 'p',
      text: 'In `.vscode/mcp.json` (or “MCP: Open User Configuration”); VS Code asks for the key once and keeps it in its secret storage:',
    },
    {
      kind: 'code',
      lang: 'json',
      text: JSON.stringify(
        {
          inputs: [
            {
              type: 'promptString',
              id: 'partnergate-key',
              description: 'Partnergate API key',
              password: true,
            },
          ],
          servers: {
            partnergate: {
              type: 'http',
              url,
              headers: { Authorization: 'Bearer ${input:partnergate-key}' },
            },
          },
        },
        null,
        2,
      ),
    },
  ];
}
