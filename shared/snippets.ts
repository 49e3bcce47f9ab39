/**
 * Ready-to-run requests for a partner: the exact call for one report and one key, in the tools
 * partners use. Generated from one description of the request, so every snippet asks for the
 * same thing.
 */
import { snippetz } from '@scalar/snippetz';
import { maskKey } from './key-format.ts';

export interface ApiRequest {
  /** e.g. http://192.168.1.20:8787 */
  baseUrl: string;
  /** e.g. /api/v1/reports/3 */
  path: string;
  query: Record<string, string>;
  secret: string;
  /** The key may be sent in the URL (spreadsheets can do nothing else). */
  allowQueryAuth: boolean;
  /**
   * HTTPS with Partnergate's own certificate authority: the file partners save its CA as, and
   * the server key's pin. Absent for plain HTTP and for a publicly trusted certificate.
   */
  trust?: { caFile: string; pin: string } | null;
}

export { CA_FILE } from './brand.ts';

export type SnippetTarget =
  | 'curl'
  | 'curl-pinned'
  | 'curl-cmd'
  | 'powershell'
  | 'httpie'
  | 'python'
  | 'fetch'
  | 'spreadsheet';

export const SNIPPET_LABELS: Record<SnippetTarget, string> = {
  curl: 'cURL (bash/zsh)',
  'curl-pinned': 'cURL, pinned key (no CA file)',
  'curl-cmd': 'cURL (Windows cmd)',
  powershell: 'PowerShell',
  httpie: 'HTTPie',
  python: 'Python requests',
  fetch: 'JavaScript fetch',
  spreadsheet: 'Spreadsheet URL',
};

export function requestUrl(
  r: Pick<ApiRequest, 'baseUrl' | 'path' | 'query'>,
  extra: Record<string, string> = {},
): string {
  // Commas separate filter values; leaving them readable keeps the command easy to edit.
  const enc = (s: string) => encodeURIComponent(s).replace(/%2C/gi, ',');
  const qs = Object.entries({ ...r.query, ...extra })
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  return `${r.baseUrl.replace(/\/$/, '')}${r.path}${qs ? `?${qs}` : ''}`;
}

const gen = snippetz();

type Client = 'curl' | 'httpie' | 'restmethod' | 'requests' | 'fetch';

function viaSnippetz(
  target: 'shell' | 'powershell' | 'python' | 'js',
  client: Client,
  r: ApiRequest,
): string {
  return (
    gen.print(target as never, client as never, {
      method: 'GET',
      url: requestUrl(r),
      headers: [{ name: 'Authorization', value: `Bearer ${r.secret}` }],
    }) ?? ''
  );
}

/** cmd.exe: double quotes only; a literal % is written %% so it is not read as a variable. */
function cmdQuote(s: string): string {
  return `"${s.replace(/%/g, '%%').replace(/"/g, '\\"')}"`;
}

/** The request in one tool; `null` when this key cannot be used that way (a URL, for a key
 * that may not be sent in one). */
export function snippet(target: SnippetTarget, r: ApiRequest): string | null {
  const ca = r.trust?.caFile;
  switch (target) {
    case 'curl':
      return viaSnippetz('shell', 'curl', r).replace(
        /^curl /,
        ca ? `curl --cacert ${ca} ` : 'curl ',
      );
    case 'curl-pinned':
      // Checks the server's key itself instead of the CA: nothing to install, one line to paste.
      if (!r.trust) return null;
      return viaSnippetz('shell', 'curl', r).replace(
        /^curl /,
        `curl --insecure --pinnedpubkey '${r.trust.pin}' `,
      );
    case 'curl-cmd':
      return `curl ${ca ? `--cacert ${ca} ` : ''}${cmdQuote(requestUrl(r))} ^\n  --header ${cmdQuote(`Authorization: Bearer ${r.secret}`)}`;
    case 'powershell':
      return `${
        ca
          ? `# Once, to trust Partnergate's certificate authority (Windows, this user):\n# Import-Certificate -FilePath .\\${ca} -CertStoreLocation Cert:\\CurrentUser\\Root\n`
          : ''
      }${viaSnippetz('powershell', 'restmethod', r)}`;
    case 'httpie':
      return viaSnippetz('shell', 'httpie', r).replace(
        /^http /,
        ca ? `http --verify=${ca} ` : 'http ',
      );
    case 'python':
      return `import requests\n\nresponse = ${viaSnippetz('python', 'requests', r).replace(
        /^(\s*)headers=\{/m,
        ca ? `$1verify="${ca}",\n$1headers={` : '$1headers={',
      )}\nresponse.raise_for_status()\nprint(response.json())`;
    case 'fetch':
      return `${
        ca
          ? `// Node.js: trust Partnergate's certificate authority with\n// NODE_EXTRA_CA_CERTS=${ca} node this-script.mjs\n`
          : ''
      }const response = await ${viaSnippetz('js', 'fetch', r)};\nconsole.log(await response.json());`;
    case 'spreadsheet': {
      // Without the key's permission a URL would only be refused: there is no snippet.
      if (!r.allowQueryAuth) return null;
      const url = requestUrl(r, { format: 'csv', api_key: r.secret });
      return [
        `Google Sheets:  =IMPORTDATA("${url.replace(/"/g, '""')}")`,
        `Excel (Data → From Web / Power Query):  ${url}`,
        ...(ca
          ? [
              `HTTPS with a private certificate authority: Excel works once ${ca} is imported into Windows' Trusted Root store (see PowerShell). Google Sheets cannot: it fetches from Google's servers, which neither trust a private CA nor reach a LAN address. For Sheets, serve a certificate from a public CA (serve --tls-cert/--tls-key) on an address the internet reaches, or pull with Excel or a script.`,
            ]
          : []),
      ].join('\n\n');
    }
  }
}

/** Replaces the secret with its mask for display; copying uses the real text. */
export function maskSecret(text: string, secret: string): string {
  return secret ? text.split(secret).join(maskKey(secret)) : text;
}
