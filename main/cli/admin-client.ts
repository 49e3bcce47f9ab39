/**
 * The admin contract for the command line: over this machine's store (the same dispatcher the
 * admin UI uses), or, with `--server URL`, over a team server's admin listener with a personal
 * access token, held to that person's role and partners. Either way a refused or failed call
 * becomes the error the rest of the CLI prints.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import {
  ADMIN_METHODS,
  type AdminApi,
  type AdminCaller,
  type AdminError,
} from '../../shared/admin-contract.ts';
import { PartnergateError, type ErrorKind } from '../../shared/errors.ts';
import { ACCESS_TOKEN_PREFIX } from '../../shared/users.ts';
import { STATUS_OF_KIND, type AdminDispatch } from '../admin/dispatch.ts';

/** The error kind an admin answer's status stands for (401, not signed in, as forbidden). */
const KIND_OF_STATUS: Record<number, ErrorKind> = {
  ...Object.fromEntries(Object.entries(STATUS_OF_KIND).map(([kind, status]) => [status, kind])),
  401: 'forbidden',
};

const failure = (status: number, e: AdminError) =>
  new PartnergateError(KIND_OF_STATUS[status] ?? 'environment', e.code, e.message, e.details);

/** The contract over a dispatcher in this process (the local store). */
export function localAdmin(dispatch: AdminDispatch, caller: AdminCaller): AdminApi {
  return Object.fromEntries(
    ADMIN_METHODS.map((m) => [
      m,
      async (input: unknown) => {
        const a = await dispatch(m, input ?? {}, caller);
        if (!a.ok) throw failure(a.status, a.error);
        return a.result;
      },
    ]),
  ) as unknown as AdminApi;
}

export interface RemoteOptions {
  /** The team server's admin UI address, e.g. https://partnergate.lan:8788 */
  server: string;
  token: string | undefined;
  /** A CA certificate file to trust (Partnergate's own CA), beside the system's. */
  caFile?: string | undefined;
}

/** The contract over HTTPS to a team server, as the person whose token this is. */
export function remoteAdmin(o: RemoteOptions): AdminApi {
  let base: URL;
  try {
    base = new URL(o.server);
  } catch {
    throw new PartnergateError(
      'invalid',
      'invalid_server',
      `--server "${o.server}" is not a URL; give the admin UI's address, e.g. https://partnergate.lan:8788.`,
    );
  }
  if (!o.token?.startsWith(ACCESS_TOKEN_PREFIX))
    throw new PartnergateError(
      'invalid',
      'token_missing',
      `--server needs your access token (${ACCESS_TOKEN_PREFIX}…): set PARTNERGATE_TOKEN, or pass --token. Create one in the admin UI under your name → Your sign-in.`,
    );
  const ca = o.caFile ? readCa(o.caFile) : undefined;
  const call = (method: string, input: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const body = JSON.stringify(input ?? {});
      const url = new URL(`/admin/api/${method}`, base);
      const send = url.protocol === 'https:' ? request : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          ...(ca && { ca }),
          headers: {
            authorization: `Bearer ${o.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            let json: { result?: unknown; error?: AdminError };
            try {
              json = JSON.parse(text) as typeof json;
            } catch {
              return reject(
                new PartnergateError(
                  'environment',
                  'bad_response',
                  `${base.origin} answered ${res.statusCode} without the admin contract's JSON; is it Partnergate's admin UI address?`,
                ),
              );
            }
            if (json.error) reject(failure(res.statusCode ?? 500, json.error));
            else resolve(json.result);
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          new PartnergateError(
            'environment',
            'server_unreachable',
            /certificate|self.signed|UNABLE_TO_VERIFY/i.test(`${e.code} ${e.message}`)
              ? `${base.origin}'s certificate is not trusted (${e.message}); pass --ca with the server's CA file (partnergate-ca.pem, from its Listener page).`
              : `${base.origin} cannot be reached: ${e.message}.`,
          ),
        ),
      );
      req.end(body);
    });
  return Object.fromEntries(
    ADMIN_METHODS.map((m) => [m, (input: unknown) => call(m, input)]),
  ) as unknown as AdminApi;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new PartnergateError(
      'invalid',
      'ca_unreadable',
      `--ca ${file} cannot be read (${(e as Error).message}).`,
    );
  }
}
