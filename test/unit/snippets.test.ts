import { describe, expect, it } from 'vitest';
import { snippet, type ApiRequest } from '../../shared/snippets.ts';

const r: ApiRequest = {
  baseUrl: 'http://192.168.1.20:8787/',
  path: '/api/v1/reports/3',
  query: { from: '2026-11-01', to: '2026-11-21', group_by: 'day,offer' },
  secret: 'pgk_secret',
  allowQueryAuth: false,
};

describe('snippets for partners', () => {
  it('offers no spreadsheet URL for a key that may not be sent in one', () => {
    expect(snippet('spreadsheet', r)).toBeNull();
    const sheet = snippet('spreadsheet', { ...r, allowQueryAuth: true })!;
    expect(sheet).toContain(
      '=IMPORTDATA("http://192.168.1.20:8787/api/v1/reports/3?from=2026-11-01&to=2026-11-21&group_by=day,offer&format=csv&api_key=pgk_secret")',
    );
  });
  it('sends the key in a header everywhere else, never in the URL', () => {
    for (const t of ['curl', 'curl-cmd', 'powershell', 'httpie', 'python', 'fetch'] as const) {
      const text = snippet(t, r)!;
      expect(text).toContain('Bearer pgk_secret');
      expect(text).not.toContain('api_key=');
      expect(text).toContain('http://192.168.1.20:8787/api/v1/reports/3?from=2026-11-01');
    }
  });
  it('writes a literal % for cmd.exe so it is not read as a variable', () => {
    const text = snippet('curl-cmd', { ...r, query: { sub1: '50%' } })!;
    expect(text).toContain('sub1=50%%25');
    expect(text.split('\n')[0]).toBe(
      'curl "http://192.168.1.20:8787/api/v1/reports/3?sub1=50%%25" ^',
    );
  });
  it('trusts Partnergate’s own CA in every tool when the listener serves HTTPS with it', () => {
    const https = {
      ...r,
      baseUrl: 'https://192.168.1.20:8787',
      allowQueryAuth: true,
      trust: { caFile: 'partnergate-ca.pem', pin: 'sha256//abc=' },
    };
    expect(snippet('curl', https)!.split('\n')[0]).toMatch(
      /^curl --cacert partnergate-ca\.pem '?https:/,
    );
    expect(snippet('curl-pinned', https)).toMatch(
      /^curl --insecure --pinnedpubkey 'sha256\/\/abc=' /,
    );
    expect(snippet('curl-pinned', r)).toBeNull();
    expect(snippet('curl-cmd', https)).toMatch(/^curl --cacert partnergate-ca\.pem "https:/);
    expect(snippet('httpie', https)).toMatch(/^http --verify=partnergate-ca\.pem /);
    expect(snippet('python', https)).toContain('verify="partnergate-ca.pem",');
    expect(snippet('powershell', https)).toContain(
      'Import-Certificate -FilePath .\\partnergate-ca.pem -CertStoreLocation Cert:\\CurrentUser\\Root',
    );
    expect(snippet('fetch', https)).toContain('NODE_EXTRA_CA_CERTS=partnergate-ca.pem');
    expect(snippet('spreadsheet', https)).toContain('Google Sheets cannot');
    // Plain HTTP, or a publicly trusted certificate: nothing added.
    expect(snippet('curl', r)).not.toContain('--cacert');
    expect(snippet('python', r)).not.toContain('verify=');
  });
});
