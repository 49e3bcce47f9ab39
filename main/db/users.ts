import type { Role } from '../../shared/permissions.ts';
import type { AccessToken, AdminUser } from '../../shared/users.ts';
import type { Db } from './connection.ts';

/** A person as stored: what the admin sees of them, and their password's hash. */
export type UserRow = Omit<AdminUser, 'pending' | 'twoFactor'> & {
  passwordHash: string | null;
  /** The sealed TOTP secret once confirmed; one being enrolled; the last time step used. */
  totpSealed: Buffer | null;
  totpPending: Buffer | null;
  totpLastStep: number | null;
};

/** A personal access token as stored (its secret only as a hash). */
export type AccessTokenRow = Omit<AccessToken, 'status'> & {
  userId: number;
  revokedAt: number | null;
};

interface RawUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  all_partners: number;
  password_hash: string | null;
  disabled: number;
  created_at: number;
  last_sign_in_at: number | null;
  totp_sealed: Buffer | null;
  totp_pending: Buffer | null;
  totp_last_step: number | null;
}

export interface SessionRow {
  id: number;
  userId: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  address: string | null;
}

export function userStatements(db: Db) {
  const insert = db.prepare(`INSERT INTO users (email, name, role, all_partners, created_at)
    VALUES (@email, @name, @role, @allPartners, @now)`);
  const byId = db.prepare(`SELECT * FROM users WHERE id = ?`);
  const byEmail = db.prepare(`SELECT * FROM users WHERE email = ?`);
  const all = db.prepare(`SELECT * FROM users ORDER BY name COLLATE NOCASE, id`);
  // People who can sign in: a pending set-up or invitation has no password yet.
  const withPassword = db
    .prepare(`SELECT count(*) FROM users WHERE password_hash IS NOT NULL`)
    .pluck();
  const owners = db
    .prepare(
      `SELECT count(*) FROM users WHERE role = 'owner' AND disabled = 0 AND password_hash IS NOT NULL`,
    )
    .pluck();
  const partnersOf = db
    .prepare(`SELECT account_id FROM user_partners WHERE user_id = ? ORDER BY account_id`)
    .pluck();
  const clearPartners = db.prepare(`DELETE FROM user_partners WHERE user_id = ?`);
  const addPartner = db.prepare(`INSERT INTO user_partners (user_id, account_id) VALUES (?, ?)`);
  const update = db.prepare(`UPDATE users SET name = @name, role = @role,
    all_partners = @allPartners, disabled = @disabled WHERE id = @id`);
  const setPassword = db.prepare(`UPDATE users SET password_hash = ? WHERE id = ?`);
  const setIdentity = db.prepare(`UPDATE users SET email = ?, name = ? WHERE id = ?`);
  const signedIn = db.prepare(`UPDATE users SET last_sign_in_at = ? WHERE id = ?`);
  const remove = db.prepare(`DELETE FROM users WHERE id = ?`);

  const insertLink = db.prepare(
    `INSERT INTO user_setup_links (token_hash, user_id, expires_at) VALUES (?, ?, ?)`,
  );
  const linkByHash = db.prepare(
    `SELECT user_id, expires_at FROM user_setup_links WHERE token_hash = ?`,
  );
  const dropLinks = db.prepare(`DELETE FROM user_setup_links WHERE user_id = ?`);

  const insertSession = db.prepare(`INSERT INTO user_sessions
    (token_hash, user_id, created_at, last_seen_at, expires_at, address)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const sessionByHash =
    db.prepare(`SELECT id, user_id, created_at, last_seen_at, expires_at, address
    FROM user_sessions WHERE token_hash = ?`);
  const touch = db.prepare(`UPDATE user_sessions SET last_seen_at = ? WHERE id = ?`);
  const endSession = db.prepare(`DELETE FROM user_sessions WHERE id = ?`);
  const endSessionsOf = db.prepare(`DELETE FROM user_sessions WHERE user_id = ?`);
  const sessionsOf = db.prepare(`SELECT id, user_id, created_at, last_seen_at, expires_at, address
    FROM user_sessions WHERE user_id = ? ORDER BY last_seen_at DESC`);

  const setTotp = db.prepare(`UPDATE users SET totp_sealed = @sealed, totp_pending = @pending,
    totp_last_step = @lastStep WHERE id = @id`);
  const insertToken = db.prepare(`INSERT INTO access_tokens
    (user_id, name, token_hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`);
  const tokenCols = `id, user_id, name, prefix, created_at, expires_at, last_used_at,
    last_used_address, revoked_at`;
  const tokenByHash = db.prepare(`SELECT ${tokenCols} FROM access_tokens WHERE token_hash = ?`);
  const tokenById = db.prepare(`SELECT ${tokenCols} FROM access_tokens WHERE id = ?`);
  const tokensOf = db.prepare(
    `SELECT ${tokenCols} FROM access_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC`,
  );
  const tokenUsed = db.prepare(
    `UPDATE access_tokens SET last_used_at = ?, last_used_address = ? WHERE id = ?`,
  );
  const revokeToken = db.prepare(
    `UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
  );
  const toToken = (r: {
    id: number;
    user_id: number;
    name: string;
    prefix: string;
    created_at: number;
    expires_at: number | null;
    last_used_at: number | null;
    last_used_address: string | null;
    revoked_at: number | null;
  }): AccessTokenRow => ({
    id: r.id,
    userId: r.user_id,
    name: r.name,
    prefix: r.prefix,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    lastUsedAddress: r.last_used_address,
    revokedAt: r.revoked_at,
  });
  type RawToken = Parameters<typeof toToken>[0];

  const toUser = (r: RawUser): UserRow => ({
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    allPartners: r.all_partners === 1,
    partnerIds: partnersOf.all(r.id) as number[],
    passwordHash: r.password_hash,
    disabled: r.disabled === 1,
    createdAt: r.created_at,
    lastSignInAt: r.last_sign_in_at,
    totpSealed: r.totp_sealed,
    totpPending: r.totp_pending,
    totpLastStep: r.totp_last_step,
  });
  const toSession = (r: {
    id: number;
    user_id: number;
    created_at: number;
    last_seen_at: number;
    expires_at: number;
    address: string | null;
  }): SessionRow => ({
    id: r.id,
    userId: r.user_id,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    address: r.address,
  });

  return {
    withPassword: () => withPassword.get() as number,
    /** Owners who can sign in: the last one may not be demoted, disabled or removed. */
    activeOwners: () => owners.get() as number,
    insert(u: Pick<UserRow, 'email' | 'name' | 'role' | 'allPartners'>, now: number): number {
      return Number(insert.run({ ...u, allPartners: u.allPartners ? 1 : 0, now }).lastInsertRowid);
    },
    get(id: number): UserRow | undefined {
      const r = byId.get(id) as RawUser | undefined;
      return r && toUser(r);
    },
    byEmail(email: string): UserRow | undefined {
      const r = byEmail.get(email) as RawUser | undefined;
      return r && toUser(r);
    },
    list(): UserRow[] {
      return (all.all() as RawUser[]).map(toUser);
    },
    update(u: Pick<UserRow, 'id' | 'name' | 'role' | 'allPartners' | 'disabled'>): void {
      update.run({ ...u, allPartners: u.allPartners ? 1 : 0, disabled: u.disabled ? 1 : 0 });
    },
    setPartners(id: number, partnerIds: readonly number[]): void {
      clearPartners.run(id);
      for (const p of partnerIds) addPartner.run(id, p);
    },
    setPassword(id: number, hash: string): void {
      setPassword.run(hash, id);
    },
    setIdentity(id: number, email: string, name: string): void {
      setIdentity.run(email, name, id);
    },
    signedIn(id: number, at: number): void {
      signedIn.run(at, id);
    },
    remove(id: number): void {
      remove.run(id);
    },
    addLink(tokenHash: Buffer, userId: number, expiresAt: number): void {
      insertLink.run(tokenHash, userId, expiresAt);
    },
    link(tokenHash: Buffer): { userId: number; expiresAt: number } | undefined {
      const r = linkByHash.get(tokenHash) as { user_id: number; expires_at: number } | undefined;
      return r && { userId: r.user_id, expiresAt: r.expires_at };
    },
    dropLinks(userId: number): void {
      dropLinks.run(userId);
    },
    addSession(tokenHash: Buffer, s: Omit<SessionRow, 'id'>): number {
      return Number(
        insertSession.run(tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt, s.address)
          .lastInsertRowid,
      );
    },
    session(tokenHash: Buffer): SessionRow | undefined {
      const r = sessionByHash.get(tokenHash) as Parameters<typeof toSession>[0] | undefined;
      return r && toSession(r);
    },
    touch(id: number, at: number): void {
      touch.run(at, id);
    },
    endSession(id: number): boolean {
      return endSession.run(id).changes === 1;
    },
    endSessionsOf(userId: number): number {
      return endSessionsOf.run(userId).changes;
    },
    setTotp(
      id: number,
      t: { sealed: Buffer | null; pending: Buffer | null; lastStep: number | null },
    ): void {
      setTotp.run({ id, ...t });
    },
    addToken(
      tokenHash: Buffer,
      t: Pick<AccessTokenRow, 'userId' | 'name' | 'prefix' | 'createdAt' | 'expiresAt'>,
    ): number {
      return Number(
        insertToken.run(t.userId, t.name, tokenHash, t.prefix, t.createdAt, t.expiresAt)
          .lastInsertRowid,
      );
    },
    token(tokenHash: Buffer): AccessTokenRow | undefined {
      const r = tokenByHash.get(tokenHash) as RawToken | undefined;
      return r && toToken(r);
    },
    tokenById(id: number): AccessTokenRow | undefined {
      const r = tokenById.get(id) as RawToken | undefined;
      return r && toToken(r);
    },
    tokensOf(userId: number): AccessTokenRow[] {
      return (tokensOf.all(userId) as RawToken[]).map(toToken);
    },
    tokenUsed(id: number, at: number, address: string | null): void {
      tokenUsed.run(at, address, id);
    },
    revokeToken(id: number, at: number): boolean {
      return revokeToken.run(at, id).changes === 1;
    },
    sessionsOf(userId: number): SessionRow[] {
      return (sessionsOf.all(userId) as Parameters<typeof toSession>[0][]).map(toSession);
    },
  };
}
