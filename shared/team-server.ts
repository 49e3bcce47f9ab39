/**
 * The desktop app joining a team server: what the window asks the main process (connect by URL,
 * confirm the server's certificate, sign in, switch back to this computer) and what it is told.
 * Shared by main (which answers), the preload (which exposes) and the renderer (which asks).
 */
import { z } from 'zod';
import type { AdminUser } from './users.ts';

/** What a team server's certificate says, for a person to compare before trusting it. */
export interface ServerIdentity {
  /** `https://host:port`, the address every call goes to. */
  origin: string;
  /**
   * `sha256//…` of the server's public key: what the desktop pins. Partnergate renews its
   * certificate with the same key, so this stays the same across renewals.
   */
  pin: string;
  /** SHA-256 of the certificate itself, colon hex. */
  fingerprint: string;
  subject: string;
  issuer: string;
  /** The names and addresses the certificate covers. */
  names: string[];
  validTo: number;
  /** Whether this computer's trust store vouches for it (a public CA); Partnergate's own CA is not. */
  trustedBySystem: boolean;
}

export type ConnectionProblemCode =
  'server_certificate_changed' | 'server_unreachable' | 'not_partnergate' | 'no_people';

export interface ConnectionProblem {
  code: ConnectionProblemCode;
  message: string;
  /** For a changed certificate: the one the server presents now. */
  presented?: ServerIdentity;
}

export interface KnownServer {
  origin: string;
  pin: string;
  fingerprint: string;
  /** Who signed in last from this computer. */
  email: string | null;
  confirmedAt: number;
  lastUsedAt: number | null;
}

export interface ConnectionState {
  /** `local`: this computer's store; `server`: a team server's, through the admin contract. */
  mode: 'local' | 'server';
  /** The team server in use (mode `server`). */
  server:
    | (KnownServer & {
        signedIn: boolean;
        user: AdminUser | null;
        problem: ConnectionProblem | null;
      })
    | null;
  /** Servers this computer confirmed, to switch to in one click. */
  known: KnownServer[];
  /** Whether a sign-in outlives a restart (the system keychain seals it); else it lasts the run. */
  keepsSignIn: boolean;
}

/** A probe's answer: the identity, and the pin this computer confirmed before, if it differs. */
export interface ProbeResult {
  identity: ServerIdentity;
  /** Set when this server was confirmed before with another key. */
  confirmedPin: string | null;
}

const origin = z.string().min(1).max(2000);

/** Each operation the window may ask for, with its input. */
export const connectionOps = {
  state: z.object({ refresh: z.boolean().default(false) }),
  probe: z.object({ url: z.string().trim().min(1, 'Give the team server’s address.').max(2000) }),
  trust: z.object({ origin, pin: z.string().startsWith('sha256//') }),
  signIn: z.object({
    email: z.string().trim().min(1).max(320),
    password: z.string().min(1).max(1024),
    code: z.string().trim().max(12).optional(),
  }),
  signOut: z.object({ everywhere: z.boolean().default(false) }),
  useLocal: z.object({}),
  useServer: z.object({ origin }),
  forget: z.object({ origin }),
} as const;

export type ConnectionOp = keyof typeof connectionOps;
export const CONNECTION_OPS = Object.keys(connectionOps) as ConnectionOp[];
export type ConnectionInput<O extends ConnectionOp> = z.input<(typeof connectionOps)[O]>;

export interface ConnectionOutputs {
  state: ConnectionState;
  probe: ProbeResult;
  trust: ConnectionState;
  signIn: ConnectionState;
  signOut: ConnectionState;
  useLocal: ConnectionState;
  useServer: ConnectionState;
  forget: ConnectionState;
}

/** `window.api.connection`: one function per operation. */
export type DesktopConnectionApi = {
  [O in ConnectionOp]: (input: ConnectionInput<O>) => Promise<ConnectionOutputs[O]>;
};
