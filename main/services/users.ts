/**
 * The people who administer Partnergate, their sign-in and their sessions. Passwords are kept
 * as scrypt hashes (memory-hard, from Node); session tokens and one-time set-up links as SHA-256
 * hashes of random secrets. Failed sign-ins are throttled per email and per address. The first
 * person is the owner, created through a one-time set-up link, never a default password.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { PRODUCT_NAME } from '../../shared/brand.ts';
import { conflict, forbidden, invalid, notFound } from '../../shared/errors.ts';
import { ROLES, ROLE_NAMES, type Role } from '../../shared/permissions.ts';
import {
  ACCESS_TOKEN_PREFIX,
  accessTokenCreateInput,
  signInInput,
  totpCode,
  type AccessToken,
  userInviteInput,
  userSetupInput,
  type AdminUser,
  type UserSession,
} from '../../shared/users.ts';
import type { z } from 'zod';
import type { AccessTokenRow, UserRow } from '../db/users.ts';
import type { ServiceContext } from './context.ts';
import { parseInput } from './validate.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A set-up link works once, for this long. */
export const SETUP_LINK_MS = 72 * HOUR;
/** A session ends after this long unused, and after SESSION_MAX_MS whatever happens. */
export const SESSION_IDLE_MS = 12 * HOUR;
export const SESSION_MAX_MS = 7 * 24 * HOUR;
/** Failed sign-ins counted per email and per address over this window; at the limit, refused. */
export const THROTTLE_WINDOW_MS = 15 * MINUTE;
export const THROTTLE_LIMIT = 5;

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

const hashToken = (t: string) => createHash('sha256').update(t).digest();
const newToken = () => randomBytes(32).toString('base64url');

function scryptAsync(password: string, salt: Buffer, n = SCRYPT.N): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, { ...SCRYPT, N: n }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, , , salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n));
  const want = Buffer.from(hash, 'base64url');
  return want.length === key.length && timingSafeEqual(want, key);
}

/** RFC 6238 as authenticator apps expect it: SHA-1, six digits, 30-second steps. */
const TOTP_PERIOD_S = 30;
function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({
    issuer: PRODUCT_NAME,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: TOTP_PERIOD_S,
    secret: Secret.fromBase32(secretBase32),
  });
}

/**
 * The time step a code belongs to (this one, or one step either side for a clock a little off),
 * or null when it matches none.
 */
function totpStep(secretBase32: string, code: string, now: number): number | null {
  const delta = totpFor(secretBase32, '').validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PERIOD_S) + delta;
}

/** A password hash to compare with when the email is unknown, so both take the same time. */
let decoy: Promise<string> | null = null;

export function userService(ctx: ServiceContext) {
  const failures = new Map<string, number[]>();

  const view = (u: UserRow): AdminUser => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    allPartners: u.allPartners,
    partnerIds: u.partnerIds,
    pending: u.passwordHash === null,
    twoFactor: u.totpSealed !== null,
    disabled: u.disabled,
    createdAt: u.createdAt,
    lastSignInAt: u.lastSignInAt,
  });
  const row = (id: number) => {
    const u = ctx.sql.users.get(id);
    if (!u) throw notFound('user', id);
    return u;
  };
  const audited = (u: AdminUser) => ({
    email: u.email,
    name: u.name,
    role: u.role,
    allPartners: u.allPartners,
    partnerIds: u.partnerIds,
    disabled: u.disabled,
  });

  /** Only an owner makes someone owner, or changes, disables or removes an owner. */
  function ownersByOwners(u: UserRow, by: Role | undefined, becomes?: Role): void {
    if (by === undefined || by === 'owner') return;
    if (u.role === 'owner' || becomes === 'owner')
      throw forbidden(
        'owner_only',
        'Forbidden: only an owner makes someone owner, or changes, disables or removes an owner.',
      );
  }

  /** The last owner who can sign in stays one. */
  function keepAnOwner(u: UserRow, next: { role: Role; disabled: boolean } | null): void {
    const stillOwner = next !== null && next.role === 'owner' && !next.disabled;
    if (
      u.role === 'owner' &&
      !u.disabled &&
      u.passwordHash &&
      !stillOwner &&
      ctx.sql.users.activeOwners() <= 1
    )
      throw conflict(
        'last_owner',
        `${u.name} is the only owner: make someone else owner first, so Partnergate keeps someone who can manage people and settings.`,
      );
  }

  const totpOf = (u: UserRow) => ({
    sealed: u.totpSealed,
    pending: u.totpPending,
    lastStep: u.totpLastStep,
  });

  function tokenView(t: AccessTokenRow): AccessToken {
    const { userId: _u, revokedAt, ...rest } = t;
    return {
      ...rest,
      status:
        revokedAt !== null
          ? 'revoked'
          : t.expiresAt !== null && t.expiresAt <= ctx.now()
            ? 'expired'
            : 'active',
    };
  }

  function checkPartners(ids: readonly number[]): void {
    const partners = new Set(ctx.sql.accounts.partnerIds());
    const unknown = ids.filter((p) => !partners.has(p));
    if (unknown.length)
      throw invalid(
        'not_a_partner',
        `${unknown.map((p) => `#${p}`).join(', ')} ${unknown.length === 1 ? 'is not a partner' : 'are not partners'} (affiliates or introducing brokers).`,
        [{ field: 'partnerIds', message: 'not a partner' }],
      );
  }

  function throttled(keys: string[], now: number): boolean {
    return keys.some(
      (k) =>
        (failures.get(k) ?? []).filter((t) => t > now - THROTTLE_WINDOW_MS).length >=
        THROTTLE_LIMIT,
    );
  }
  function fail(keys: string[], now: number): void {
    for (const k of keys)
      failures.set(k, [
        ...(failures.get(k) ?? []).filter((t) => t > now - THROTTLE_WINDOW_MS),
        now,
      ]);
  }

  function newLink(userId: number): { token: string; expiresAt: number } {
    const token = newToken();
    const expiresAt = ctx.now() + SETUP_LINK_MS;
    ctx.sql.users.dropLinks(userId);
    ctx.sql.users.addLink(hashToken(token), userId, expiresAt);
    return { token, expiresAt };
  }

  return {
    /** Whether anyone administers this store yet (else `serve` offers the owner's set-up link). */
    hasUsers(): boolean {
      return ctx.sql.users.withPassword() > 0;
    },
    list(): AdminUser[] {
      return ctx.sql.users.list().map(view);
    },
    get(id: number): AdminUser {
      return view(row(id));
    },
    /**
     * The owner's one-time set-up link, on a store nobody administers yet: it creates the owner
     * (their email, name and password are given with it). Asking again replaces the link.
     */
    ownerSetupLink(): { token: string; expiresAt: number } {
      return ctx.write(() => {
        if (ctx.sql.users.list().some((u) => u.role === 'owner' && u.passwordHash))
          throw conflict('owner_exists', 'Partnergate has an owner already; they invite people.');
        const pending = ctx.sql.users.list().find((u) => u.role === 'owner');
        const id =
          pending?.id ??
          ctx.sql.users.insert(
            { email: 'owner@setup.invalid', name: 'Owner', role: 'owner', allPartners: true },
            ctx.now(),
          );
        return newLink(id);
      });
    },
    /** Invites a person: they get a one-time link to choose their password. */
    invite(input: z.input<typeof userInviteInput>): {
      user: AdminUser;
      token: string;
      expiresAt: number;
    } {
      const i = parseInput(userInviteInput, input, 'invitation');
      checkPartners(i.partnerIds);
      return ctx.write(() => {
        if (ctx.sql.users.byEmail(i.email))
          throw conflict('email_taken', `${i.email} already has an account.`);
        const id = ctx.sql.users.insert(
          {
            email: i.email,
            name: i.name,
            role: i.role,
            allPartners: i.role !== 'manager' || i.allPartners,
          },
          ctx.now(),
        );
        ctx.sql.users.setPartners(id, i.role === 'manager' && !i.allPartners ? i.partnerIds : []);
        const link = newLink(id);
        const u = view(row(id));
        ctx.audit('user.invite', 'user', id, null, audited(u));
        return { user: u, ...link };
      });
    },
    /** A new link for someone who lost theirs, or to reset a forgotten password (ends their sessions). */
    resetLink(id: number): { token: string; expiresAt: number } {
      const u = row(id);
      return ctx.write(() => {
        ctx.sql.users.endSessionsOf(u.id);
        const link = newLink(u.id);
        ctx.audit('user.reset_link', 'user', u.id, null, { email: u.email });
        return link;
      });
    },
    /** Uses a set-up link: sets the password (and, for the owner, their email and name). */
    async completeSetup(input: z.input<typeof userSetupInput>): Promise<AdminUser> {
      const i = parseInput(userSetupInput, input, 'set-up');
      const link = ctx.sql.users.link(hashToken(i.token));
      if (!link || link.expiresAt < ctx.now())
        throw forbidden(
          'setup_link_invalid',
          'This set-up link is not valid (used already, expired after 72 hours, or replaced by a newer one); ask for a new one.',
        );
      const u = row(link.userId);
      const owner = u.role === 'owner' && u.passwordHash === null;
      if (owner && (!i.email || !i.name))
        throw invalid(
          'owner_details_missing',
          'The owner gives their email and name with their password.',
          [
            ...(i.email ? [] : [{ field: 'email', message: 'is needed' }]),
            ...(i.name ? [] : [{ field: 'name', message: 'is needed' }]),
          ],
        );
      const hash = await hashPassword(i.password);
      return ctx.write(() => {
        if (!ctx.sql.users.link(hashToken(i.token)))
          throw forbidden('setup_link_invalid', 'This set-up link was used meanwhile.');
        if (owner) {
          const other = ctx.sql.users.byEmail(i.email!);
          if (other && other.id !== u.id)
            throw conflict('email_taken', `${i.email} already has an account.`);
          ctx.sql.users.setIdentity(u.id, i.email!, i.name!);
        }
        ctx.sql.users.setPassword(u.id, hash);
        ctx.sql.users.dropLinks(u.id);
        ctx.sql.users.endSessionsOf(u.id);
        const v = view(row(u.id));
        ctx.audit('user.setup', 'user', u.id, null, { email: v.email });
        return v;
      });
    },
    /**
     * Signs a person in: a session token (kept by the browser in an HttpOnly cookie). Wrong
     * email or password say the same thing; five failures in 15 minutes for an email or an
     * address refuse the next tries until the window passes.
     */
    async signIn(
      input: z.input<typeof signInInput>,
      address: string | null,
    ): Promise<{ token: string; user: AdminUser; expiresAt: number }> {
      const i = parseInput(signInInput, input, 'sign-in');
      const now = ctx.now();
      const keys = [`email:${i.email.toLowerCase()}`, ...(address ? [`address:${address}`] : [])];
      if (throttled(keys, now))
        throw forbidden(
          'sign_in_throttled',
          `Too many failed sign-ins for this email or from this address; try again in ${THROTTLE_WINDOW_MS / MINUTE} minutes, or ask an admin for a new set-up link.`,
        );
      const u = ctx.sql.users.byEmail(i.email);
      const ok = u?.passwordHash
        ? await verifyPassword(i.password, u.passwordHash)
        : (await verifyPassword(i.password, await (decoy ??= hashPassword(newToken())))) && false;
      if (!u || !ok || u.disabled) {
        fail(keys, now);
        throw forbidden(
          u?.disabled && ok ? 'user_disabled' : 'sign_in_failed',
          u?.disabled && ok
            ? 'This account is disabled; an admin can enable it again.'
            : 'The email or the password is wrong.',
        );
      }
      // The second factor: asked for only once the password is right; a code works once.
      let step: number | null = null;
      if (u.totpSealed) {
        if (i.code === undefined)
          throw forbidden(
            'second_factor_needed',
            'Enter the 6-digit code your authenticator app shows for Partnergate.',
          );
        step = totpStep(await ctx.secretBox.open(u.totpSealed), i.code, now);
        if (step === null || step <= (u.totpLastStep ?? -1)) {
          fail(keys, now);
          throw forbidden(
            'second_factor_wrong',
            step === null
              ? 'That code is wrong or has expired; enter the one your authenticator app shows now.'
              : 'That code was used already; wait for the next one.',
          );
        }
      }
      const token = newToken();
      const expiresAt = now + SESSION_IDLE_MS;
      ctx.write(() => {
        ctx.sql.users.addSession(hashToken(token), {
          userId: u.id,
          createdAt: now,
          lastSeenAt: now,
          expiresAt: now + SESSION_MAX_MS,
          address,
        });
        ctx.sql.users.signedIn(u.id, now);
        if (step !== null) ctx.sql.users.setTotp(u.id, { ...totpOf(u), lastStep: step });
      });
      failures.delete(keys[0]!);
      return { token, user: view(row(u.id)), expiresAt };
    },
    /**
     * The person a session token belongs to, while it lives (it ends 12 hours unused, or 7 days
     * after sign-in); null otherwise. Each use keeps it alive.
     */
    session(token: string): { user: AdminUser; sessionId: number } | null {
      const s = ctx.sql.users.session(hashToken(token));
      const now = ctx.now();
      if (!s || s.expiresAt <= now || s.lastSeenAt + SESSION_IDLE_MS <= now) return null;
      const u = ctx.sql.users.get(s.userId);
      if (!u || u.disabled) return null;
      // Kept alive when the store is free; a busy store costs this request nothing.
      if (now - s.lastSeenAt > MINUTE) ctx.writeIfFree(() => ctx.sql.users.touch(s.id, now));
      return { user: view(u), sessionId: s.id };
    },
    signOut(token: string): void {
      const s = ctx.sql.users.session(hashToken(token));
      if (s) ctx.write(() => ctx.sql.users.endSession(s.id));
    },
    /** Ends every session of a person ("sign out everywhere", or an admin ending them). */
    endSessions(userId: number): { ended: number } {
      const u = row(userId);
      return ctx.write(() => {
        const ended = ctx.sql.users.endSessionsOf(u.id);
        ctx.audit('user.sessions_ended', 'user', u.id, null, { ended });
        return { ended };
      });
    },
    sessions(userId: number): UserSession[] {
      return ctx.sql.users.sessionsOf(row(userId).id).map(({ userId: _u, ...s }) => s);
    },
    setRole(id: number, role: Role, by?: Role): AdminUser {
      if (!(ROLES as readonly string[]).includes(role))
        throw invalid(
          'unknown_role',
          `"${role as string}" is not a role; the roles are ${ROLES.join(', ')}.`,
        );
      const u = row(id);
      ownersByOwners(u, by, role);
      keepAnOwner(u, { role, disabled: u.disabled });
      return ctx.write(() => {
        const before = view(u);
        ctx.sql.users.update({ ...u, role, allPartners: role !== 'manager' || u.allPartners });
        const after = view(row(id));
        ctx.audit('user.role', 'user', id, { role: before.role }, { role: after.role });
        return after;
      });
    },
    /** Which partners an account manager works on: all, or these. */
    setPartners(id: number, o: { allPartners: boolean; partnerIds: number[] }): AdminUser {
      const u = row(id);
      checkPartners(o.partnerIds);
      return ctx.write(() => {
        const before = view(u);
        ctx.sql.users.update({ ...u, allPartners: o.allPartners });
        ctx.sql.users.setPartners(id, o.allPartners ? [] : o.partnerIds);
        const after = view(row(id));
        ctx.audit('user.partners', 'user', id, audited(before), audited(after));
        return after;
      });
    },
    /** Gives an account manager who works on some partners one more (a partner they added). */
    assign(id: number, accountId: number): void {
      const u = row(id);
      if (u.allPartners || u.partnerIds.includes(accountId)) return;
      ctx.write(() => ctx.sql.users.setPartners(id, [...u.partnerIds, accountId]));
    },
    /** Disables (sessions end at once) or enables a person. */
    setDisabled(id: number, disabled: boolean, by?: Role): AdminUser {
      const u = row(id);
      ownersByOwners(u, by);
      keepAnOwner(u, { role: u.role, disabled });
      return ctx.write(() => {
        ctx.sql.users.update({ ...u, disabled });
        if (disabled) ctx.sql.users.endSessionsOf(id);
        const after = view(row(id));
        ctx.audit(disabled ? 'user.disable' : 'user.enable', 'user', id, null, { email: u.email });
        return after;
      });
    },
    remove(id: number, by?: Role): { id: number } {
      const u = row(id);
      ownersByOwners(u, by);
      keepAnOwner(u, null);
      return ctx.write(() => {
        ctx.sql.users.remove(id);
        ctx.audit('user.remove', 'user', id, audited(view(u)), null);
        return { id };
      });
    },
    /**
     * Starts turning on the second factor: a new secret, as the text and the otpauth:// link an
     * authenticator app takes (shown as a QR code). It counts once a code from it is confirmed.
     */
    async beginTwoFactor(id: number): Promise<{ secret: string; uri: string }> {
      const u = row(id);
      const secret = new Secret({ size: 20 }).base32;
      const sealed = await ctx.secretBox.seal(secret);
      ctx.write(() => ctx.sql.users.setTotp(u.id, { ...totpOf(row(id)), pending: sealed }));
      return { secret, uri: totpFor(secret, u.email).toString() };
    },
    /** Turns the second factor on with a code from the app set up by `beginTwoFactor`. */
    async confirmTwoFactor(id: number, code: string): Promise<AdminUser> {
      const u = row(id);
      const c = parseInput(totpCode, code, 'code');
      if (!u.totpPending)
        throw conflict(
          'two_factor_not_started',
          'Start setting up the authenticator app first; then enter its code.',
        );
      const step = totpStep(await ctx.secretBox.open(u.totpPending), c, ctx.now());
      if (step === null)
        throw invalid(
          'second_factor_wrong',
          'That code does not match; check the app’s clock and enter the code it shows now.',
          [{ field: 'code', message: 'does not match' }],
        );
      return ctx.write(() => {
        ctx.sql.users.setTotp(u.id, { sealed: u.totpPending, pending: null, lastStep: step });
        ctx.audit('user.two_factor_on', 'user', u.id, null, { email: u.email });
        return view(row(id));
      });
    },
    /** Turns the second factor off (the person themself, or an admin for someone who lost it). */
    disableTwoFactor(id: number): AdminUser {
      const u = row(id);
      return ctx.write(() => {
        ctx.sql.users.setTotp(u.id, { sealed: null, pending: null, lastStep: null });
        if (u.totpSealed) ctx.audit('user.two_factor_off', 'user', u.id, null, { email: u.email });
        return view(row(id));
      });
    },

    /**
     * A personal access token: the person's scripts (`partnergate --server URL`) call the admin
     * contract with it, held to that person's role and partners. The secret is returned once.
     */
    createToken(
      userId: number,
      input: z.input<typeof accessTokenCreateInput>,
    ): { token: AccessToken; secret: string } {
      const u = row(userId);
      const i = parseInput(accessTokenCreateInput, input, 'token');
      const secret = `${ACCESS_TOKEN_PREFIX}${newToken()}`;
      const now = ctx.now();
      return ctx.write(() => {
        const id = ctx.sql.users.addToken(hashToken(secret), {
          userId: u.id,
          name: i.name,
          prefix: secret.slice(0, ACCESS_TOKEN_PREFIX.length + 6),
          createdAt: now,
          expiresAt: i.expiresInDays === null ? null : now + i.expiresInDays * 24 * HOUR,
        });
        ctx.audit('user.token_create', 'user', u.id, null, { token: i.name });
        return { token: tokenView(ctx.sql.users.tokenById(id)!), secret };
      });
    },
    tokens(userId: number): AccessToken[] {
      return ctx.sql.users.tokensOf(row(userId).id).map(tokenView);
    },
    /** Revokes a token of `userId`'s (a token of someone else's is not found). */
    revokeToken(userId: number, tokenId: number): AccessToken {
      const t = ctx.sql.users.tokenById(tokenId);
      if (!t || t.userId !== userId) throw notFound('access token', tokenId);
      return ctx.write(() => {
        ctx.sql.users.revokeToken(t.id, ctx.now());
        ctx.audit('user.token_revoke', 'user', userId, null, { token: t.name });
        return tokenView(ctx.sql.users.tokenById(t.id)!);
      });
    },
    /** The person a token belongs to, while it and they are active; null otherwise. */
    tokenUser(secret: string, address: string | null): AdminUser | null {
      if (!secret.startsWith(ACCESS_TOKEN_PREFIX)) return null;
      const t = ctx.sql.users.token(hashToken(secret));
      if (!t || tokenView(t).status !== 'active') return null;
      const u = ctx.sql.users.get(t.userId);
      if (!u || u.disabled || u.passwordHash === null) return null;
      const now = ctx.now();
      if (t.lastUsedAt === null || now - t.lastUsedAt > MINUTE || t.lastUsedAddress !== address)
        ctx.writeIfFree(() => ctx.sql.users.tokenUsed(t.id, now, address));
      return view(u);
    },

    /** The role's words, for messages. */
    roleName: (r: Role) => ROLE_NAMES[r],
  };
}

export type UserService = ReturnType<typeof userService>;
