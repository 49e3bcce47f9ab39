/** The people who administer Partnergate: what the CLI and the admin UI send and see. */
import { z } from 'zod';
import { lazily } from './lazily.ts';
import { ROLES, type Permission, type Role } from './permissions.ts';
import { id } from './schemas.ts';

export const email = lazily(() =>
  z
    .string()
    .trim()
    .max(254)
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address, e.g. ann@example.com'),
);

/** Long enough to resist guessing; nothing else is imposed (a passphrase is welcome). */
export const password = lazily(() =>
  z
    .string()
    .min(12, 'must be at least 12 characters')
    .max(1000, 'must be at most 1,000 characters'),
);

export const userInviteInput = lazily(() =>
  z.object({
    email,
    name: z.string().trim().min(1, 'must not be empty').max(200),
    role: z
      .enum(ROLES)
      .refine(
        (r) => r !== 'owner',
        'must be admin, manager or viewer: there is one owner, who sets Partnergate up',
      ),
    /** An account manager: every partner, or only these. */
    allPartners: z.boolean().default(false),
    partnerIds: z.array(id).max(10_000).default([]),
  }),
);

export const userSetupInput = lazily(() =>
  z.object({
    token: z.string().min(20).max(200),
    password,
    /** The owner's, on the first start (an invited person's were given by whoever invited them). */
    email: email.optional(),
    name: z.string().trim().min(1).max(200).optional(),
  }),
);

/** A code from an authenticator app (RFC 6238: six digits, a new one every 30 seconds). */
export const totpCode = lazily(() =>
  z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'must be the 6 digits your authenticator app shows'),
);

export const signInInput = lazily(() =>
  z.object({
    email,
    password: z.string().min(1, 'must not be empty').max(1000),
    /** The second factor, for people who turned it on. */
    code: totpCode.optional(),
  }),
);

/** A personal access token's secret starts with this (so a leaked one is recognisable). */
export const ACCESS_TOKEN_PREFIX = 'pgu_';

export const accessTokenCreateInput = lazily(() =>
  z.object({
    name: z.string().trim().min(1, 'must not be empty').max(100),
    /** Days it works for; null: until revoked. */
    expiresInDays: z.int().min(1).max(366).nullable().default(90),
  }),
);

/** A personal access token as its person sees it: the secret is shown once, when created. */
export interface AccessToken {
  id: number;
  name: string;
  /** The secret's first characters, to tell tokens apart. */
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  lastUsedAddress: string | null;
  status: 'active' | 'expired' | 'revoked';
}

/** What a signed-in person (or the desktop's owner) is, and may do: the UI hides the rest. */
export interface WhoAmI {
  /** Null on the desktop used alone, whose user is that machine's owner. */
  user: AdminUser | null;
  permissions: Permission[];
}

export interface AdminUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  allPartners: boolean;
  partnerIds: number[];
  /** Invited, the set-up link not used yet. */
  pending: boolean;
  disabled: boolean;
  /** Signs in with an authenticator app's code besides the password. */
  twoFactor: boolean;
  createdAt: number;
  lastSignInAt: number | null;
}

export interface UserSession {
  id: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  address: string | null;
}

/** The admin listener's session cookie (a browser's, or the desktop app's for a team server). */
export const ADMIN_SESSION_COOKIE = 'pg_admin';
