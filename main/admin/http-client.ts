/**
 * One request to a Partnergate admin listener (a team server), as the command line's
 * `--server` and the desktop app's team-server mode make them: JSON or a file's stream out, the
 * admin contract's `{ result } | { error }` back. Network failures are thrown as they come, for
 * the caller to explain in its own terms.
 */
import type { Agent } from 'node:https';
import type { Readable } from 'node:stream';
import type { AdminError } from '../../shared/admin-contract.ts';
import { PartnergateError, type ErrorKind } from '../../shared/errors.ts';
import { STATUS_OF_KIND } from './dispatch.ts';

/** The error kind an admin answer's status stands for (401, not signed in, as forbidden). */
const KIND_OF_STATUS: Record<number, ErrorKind> = {
  ...Object.fromEntries(Object.entries(STATUS_OF_KIND).map(([kind, status]) => [status, kind])),
  401: 'forbidden',
};

/** A refused or failed admin answer as the error the rest of the app throws. */
export const adminFailure = (status: number, e: AdminError) =>
  new PartnergateError(KIND_OF_STATUS[status] ?? 'environment', e.code, e.message, e.details);

export interface AdminHttpAnswer {
  status: number;
  result: unknown;
  error: AdminError | null;
  /** The `Set-Cookie` headers (a sign-in's session). */
  cookies: string[];
}

export interface AdminHttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A JSON value, or a stream sent as it is (an import file). */
  json?: unknown;
  stream?: Readable;
  agent?: Agent;
  /** CA certificates to trust beside the system's. */
  ca?: string;
  /** How long the connection may stay silent before the request fails (30 s). */
  timeoutMs?: number;
}

export function adminHttp(url: URL, o: AdminHttpRequest = {}): Promise<AdminHttpAnswer> {
  return new Promise((resolve, reject) => {
    const body = o.json === undefined ? null : JSON.stringify(o.json);
    // Loaded on the first request, not with the module: the CLI loads this for every command.
    const send =
      url.protocol === 'https:'
        ? process.getBuiltinModule('node:https').request
        : process.getBuiltinModule('node:http').request;
    const req = send(
      url,
      {
        method: o.method ?? (body !== null || o.stream ? 'POST' : 'GET'),
        ...(o.agent && { agent: o.agent }),
        ...(o.ca && { ca: o.ca }),
        headers: {
          ...o.headers,
          ...(body !== null && {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
          }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('error', reject);
        res.on('end', () => {
          let json: { result?: unknown; error?: AdminError } & Record<string, unknown>;
          try {
            json = JSON.parse(text) as typeof json;
          } catch {
            return reject(
              new PartnergateError(
                'environment',
                'bad_response',
                `${url.origin} answered ${res.statusCode} without the admin contract's JSON; is it a Partnergate admin UI address?`,
              ),
            );
          }
          const setCookie = res.headers['set-cookie'] ?? [];
          resolve({
            status: res.statusCode ?? 500,
            error: json.error ?? null,
            result: 'result' in json ? json.result : json,
            cookies: setCookie,
          });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(o.timeoutMs ?? 30_000, () =>
      req.destroy(
        Object.assign(new Error(`no answer within ${(o.timeoutMs ?? 30_000) / 1000} s`), {
          code: 'ETIMEDOUT',
        }),
      ),
    );
    if (o.stream) {
      o.stream.on('error', (e) => req.destroy(e));
      o.stream.pipe(req);
    } else req.end(body ?? undefined);
  });
}
