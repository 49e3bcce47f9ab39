/**
 * The admin contract for the command line: over this machine's store (the same dispatcher the
 * admin UI uses), or, with `--server URL`, over a team server's admin listener with a personal
 * access token, held to that person's role and partners. Either way a refused or failed call
 * becomes the error the rest of the CLI prints.
 */
import { readFileSync } from 'node:fs';
import { ADMIN_METHODS, type AdminApi, type AdminCaller } from '../../shared/admin-contract.ts';
import { PartnergateError } from '../../shared/errors.ts';
import { ACCESS_TOKEN_PREFIX } from '../../shared/users.ts';
import type { AdminDispatch } from '../admin/dispatch.ts';
import { adminFailure, adminHttp } from '../admin/http-client.ts';

/** The contract over a dispatcher in this process (the local store). */
export function localAdmin(dispatch: AdminDispatch, caller: AdminCaller): AdminApi {
  return Object.fromEntries(
    ADMIN_METHODS.map((m) => [
      m,
      async (input: unknown) => {
        const a = await dispatch(m, input ?? {}, caller);
        if (!a.ok) throw adminFailure(a.status, a.error);
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
  const call = async (method: string, input: unknown) => {
    let a;
    try {
      a = await adminHttp(new URL(`/admin/api/${method}`, base), {
        json: input ?? {},
        headers: { authorization: `Bearer ${o.token}` },
        ...(ca && { ca }),
      });
    } catch (e) {
      if (e instanceof PartnergateError) throw e;
      const x = e as NodeJS.ErrnoException;
      throw new PartnergateError(
        'environment',
        'server_unreachable',
        /certificate|self.signed|UNABLE_TO_VERIFY/i.test(`${x.code} ${x.message}`)
          ? `${base.origin}'s certificate is not trusted (${x.message}); pass --ca with the server's CA file (partnergate-ca.pem, from its Listener page).`
          : `${base.origin} cannot be reached: ${x.message}.`,
      );
    }
    if (a.error) throw adminFailure(a.status, a.error);
    return a.result;
  };
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
