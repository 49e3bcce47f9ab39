/**
 * The desktop app's third transport over real sockets: a team server's certificate shown and
 * confirmed, sign-in, admin calls as the person (held to their partners), sessions kept sealed
 * across restarts, and a changed certificate refused before anything is sent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { masterKeyBox, type SecretBox } from '../../main/services/secret-box.ts';
import {
  serverOrigin,
  TEAM_SERVERS_FILE,
  TeamServerConnection,
} from '../../main/desktop/team-server.ts';
import { answerConnectionCall, desktopTransport } from '../../main/desktop/ipc.ts';
import { storeOf } from '../helpers.ts';
import { startTeamServer, TEAM_PASSWORD, type TeamServer } from '../fakes/team-server.ts';

const APP = { url: 'app://partnergate/index.html' };

let server: TeamServer;
const dirs: string[] = [];
const desktopDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pg-desktop-'));
  dirs.push(d);
  return d;
};
const opened: TeamServerConnection[] = [];
const connect = async (dataDir: string, secretBox?: SecretBox) => {
  const c = await TeamServerConnection.open({ dataDir, secretBox, timeoutMs: 5000 });
  opened.push(c);
  return c;
};

beforeAll(async () => {
  server = await startTeamServer();
});
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the desktop app joining a team server', () => {
  it('takes an address as an HTTPS origin, and refuses plain HTTP saying why', () => {
    expect(serverOrigin('partnergate.lan:8788')).toBe('https://partnergate.lan:8788');
    expect(serverOrigin(' https://10.0.0.5:8788/#/partners ')).toBe('https://10.0.0.5:8788');
    expect(() => serverOrigin('http://10.0.0.5:8788')).toThrow(
      /HTTPS only.*https:\/\/10\.0\.0\.5:8788/,
    );
    expect(() => serverOrigin('https://')).toThrow(/not a server address/);
  });

  it('shows the certificate to confirm, signs in, and drives the server as the person', async () => {
    const dir = desktopDir();
    const box = masterKeyBox(randomBytes(32));
    const team = await connect(dir, box);
    const origin = server.admin.origin;
    const before = server.requests();
    const { identity, confirmedPin } = await team.probe(origin);
    // Nothing but a TLS handshake on first contact: no request, nothing of the person's.
    expect(server.requests()).toBe(before);
    expect(confirmedPin).toBeNull();
    expect(identity).toMatchObject({
      origin,
      pin: server.tls.pin,
      trustedBySystem: false,
      names: expect.arrayContaining(['127.0.0.1', 'localhost']) as unknown,
    });
    expect(identity.issuer).toMatch(/^Partnergate local CA/);
    expect(identity.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    // A pin other than the one presented is not trusted.
    await expect(team.trust(origin, 'sha256//AAAA')).rejects.toMatchObject({
      code: 'server_certificate_changed',
    });
    expect(team.state().mode).toBe('local');

    let state = await team.trust(origin, identity.pin);
    expect(state).toMatchObject({
      mode: 'server',
      server: { origin, pin: identity.pin, signedIn: false, problem: null },
      keepsSignIn: true,
    });
    // Calls before signing in are refused as the browser's would be.
    expect(await team.call('listAccounts', {})).toMatchObject({
      ok: false,
      status: 401,
      error: { code: 'not_signed_in' },
    });
    await expect(
      team.signIn({ email: 'mia@network.example', password: 'wrong password' }),
    ).rejects.toMatchObject({ code: 'sign_in_failed' });

    state = await team.signIn({ email: 'mia@network.example', password: TEAM_PASSWORD });
    expect(state.server).toMatchObject({
      signedIn: true,
      email: 'mia@network.example',
      user: { name: 'Mia', role: 'manager' },
    });
    // The server's partners, narrowed to Mia's; issuing a key there is audited as hers.
    const list = await team.call('listAccounts', {});
    expect(list.ok && (list.result as { id: number }[]).map((a) => a.id)).toEqual([
      server.miasPartner,
    ]);
    const issued = await team.call('issueKey', {
      accountId: server.miasPartner,
      label: 'From the desktop',
      scopes: ['reports:read'],
    });
    expect(issued.ok).toBe(true);
    const key = server.core.keys.list().find((k) => k.label === 'From the desktop');
    expect(key?.createdBy).toMatch(/^mia@network\.example \(/);
    const refused = await team.call('issueKey', {
      accountId: server.otherPartner,
      label: 'Not hers',
      scopes: ['reports:read'],
    });
    expect(refused).toMatchObject({
      ok: false,
      status: 403,
      error: { code: 'partner_not_assigned' },
    });

    // Kept on disk for the next start: the server and its key pin, the session only sealed.
    const file = readFileSync(join(dir, TEAM_SERVERS_FILE), 'utf8');
    expect(statSync(join(dir, TEAM_SERVERS_FILE)).mode & 0o777).toBe(0o600);
    expect(file).toContain(identity.pin);
    const sealed = (JSON.parse(file) as { servers: { session: string }[] }).servers[0]!.session;
    const session = await box.open(Buffer.from(sealed, 'base64'));
    expect(session).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(file).not.toContain(session);
  });

  it('keeps the sign-in across a restart only where the keychain seals it', async () => {
    const box = masterKeyBox(randomBytes(32));
    const dir = desktopDir();
    const first = await connect(dir, box);
    const { identity } = await first.probe(server.admin.origin);
    await first.trust(identity.origin, identity.pin);
    await first.signIn({ email: 'olga@network.example', password: TEAM_PASSWORD });
    first.close();

    const again = await connect(dir, box);
    const state = await again.refresh();
    expect(state.server).toMatchObject({ signedIn: true, user: { email: 'olga@network.example' } });
    expect((await again.call('whoAmI', {})).ok).toBe(true);

    // Without a keychain the session lasts the run: the next start asks to sign in again.
    const plain = desktopDir();
    const noKeychain = await connect(plain);
    await noKeychain.trust(identity.origin, identity.pin);
    await noKeychain.signIn({ email: 'olga@network.example', password: TEAM_PASSWORD });
    expect(readFileSync(join(plain, TEAM_SERVERS_FILE), 'utf8')).toContain('"session": null');
    noKeychain.close();
    const later = await connect(plain);
    expect((await later.refresh()).server).toMatchObject({
      signedIn: false,
      email: 'olga@network.example',
    });
  });

  it('switches back to this computer in one step, and back to the server signed in', async () => {
    const team = await connect(desktopDir(), masterKeyBox(randomBytes(32)));
    const local = () => Promise.resolve({ ok: true as const, result: 'local' });
    const transport = desktopTransport(
      {
        dispatch: local,
        registerFile: () => ({ uploadId: 'local', bytes: 1 }),
      },
      team,
    );
    const { identity } = await team.probe(server.admin.origin);
    await team.trust(identity.origin, identity.pin);
    await team.signIn({ email: 'olga@network.example', password: TEAM_PASSWORD });
    expect(await transport.dispatch('whoAmI', {})).toMatchObject({
      ok: true,
      result: { user: { email: 'olga@network.example' } },
    });
    expect((await team.useLocal()).mode).toBe('local');
    expect(await transport.dispatch('whoAmI', {})).toEqual({ ok: true, result: 'local' });
    const back = await team.useServer(identity.origin);
    expect(back.server).toMatchObject({ signedIn: true, user: { email: 'olga@network.example' } });
    expect((await transport.dispatch('whoAmI', {})).ok).toBe(true);
    expect(await transport.dispatch('noSuchMethod', {})).toMatchObject({
      error: { code: 'unknown_method' },
    });

    // An import file goes to the server from where it is on this computer.
    const csv = join(desktopDir(), 'conversions.csv');
    writeFileSync(csv, 'transaction_id,amount\nT1,10\n');
    expect(await transport.upload(csv)).toMatchObject({ bytes: 28 });

    // The server ending the session (expiry, sign-out elsewhere) asks for a sign-in here.
    const seen: boolean[] = [];
    team.onChange((s) => seen.push(s.server?.signedIn ?? false));
    storeOf(server.core).prepare('UPDATE user_sessions SET expires_at = 0').run();
    expect(await transport.dispatch('whoAmI', {})).toMatchObject({
      ok: false,
      error: { code: 'not_signed_in' },
    });
    expect(seen).toEqual([false]);
    expect(team.state().server?.signedIn).toBe(false);
  });

  it('answers through IPC only from the app window, with checked input', async () => {
    const team = await connect(desktopDir());
    expect(
      await answerConnectionCall(team, { url: 'https://evil.example/' }, null, 'state', {}),
    ).toMatchObject({ ok: false, error: { code: 'untrusted_sender' } });
    expect(await answerConnectionCall(team, APP, APP, 'connectAnywhere', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_operation' },
    });
    expect(await answerConnectionCall(team, APP, APP, 'probe', { url: '' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(
      await answerConnectionCall(team, APP, APP, 'probe', { url: 'http://10.0.0.5:8788' }),
    ).toMatchObject({ ok: false, error: { code: 'server_needs_https' } });
    expect(await answerConnectionCall(team, APP, APP, 'state', {})).toMatchObject({
      ok: true,
      result: { mode: 'local', known: [] },
    });
  });

  it('says what is wrong when the server cannot be reached or is not a Partnergate with people', async () => {
    const team = await connect(desktopDir());
    await expect(team.probe('https://127.0.0.1:1')).rejects.toMatchObject({
      code: 'server_unreachable',
      message: expect.stringMatching(/nothing answers at that address and port/) as unknown,
    });
  });

  it('sets an unreadable connections file aside and starts on this computer', async () => {
    const dir = desktopDir();
    writeFileSync(join(dir, TEAM_SERVERS_FILE), '{"version": 9');
    const warnings: string[] = [];
    const team = await TeamServerConnection.open({ dataDir: dir, warn: (m) => warnings.push(m) });
    expect(team.state()).toMatchObject({ mode: 'local', known: [] });
    expect(warnings[0]).toMatch(/could not be read; it was kept as/);
    expect(readdirSync(dir).some((f) => f.startsWith(`${TEAM_SERVERS_FILE}.unreadable-`))).toBe(
      true,
    );
  });

  // Last: it replaces the server's certificate.
  it('refuses a changed certificate before sending anything, and says which key it presents', async () => {
    const team = await connect(desktopDir(), masterKeyBox(randomBytes(32)));
    const { identity } = await team.probe(server.admin.origin);
    await team.trust(identity.origin, identity.pin);
    await team.signIn({ email: 'olga@network.example', password: TEAM_PASSWORD });
    const changes: string[] = [];
    team.onChange((s) => changes.push(s.server?.problem?.code ?? 'none'));

    await server.replaceCertificate();
    const before = server.requests();
    const answer = await team.call('listAccounts', {});
    expect(answer).toMatchObject({
      ok: false,
      status: 495,
      error: {
        code: 'server_certificate_changed',
        message: expect.stringContaining(`now ${server.tls.pin}`) as unknown,
      },
    });
    // The session and the call never reached the impostor (or the re-keyed server).
    expect(server.requests()).toBe(before);
    expect(changes).toContain('server_certificate_changed');
    expect(team.state().server?.problem).toMatchObject({
      code: 'server_certificate_changed',
      presented: { pin: server.tls.pin },
    });
    // Sign-in is refused the same way: no password is sent to it.
    await expect(
      team.signIn({ email: 'olga@network.example', password: TEAM_PASSWORD }),
    ).rejects.toMatchObject({ code: 'server_certificate_changed' });
    expect(server.requests()).toBe(before);

    // Probing again names the key confirmed before; confirming the new one starts afresh.
    const again = await team.probe(identity.origin);
    expect(again.confirmedPin).toBe(identity.pin);
    const state = await team.trust(identity.origin, again.identity.pin);
    expect(state.server).toMatchObject({ pin: server.tls.pin, signedIn: false, problem: null });
    await team.signIn({ email: 'olga@network.example', password: TEAM_PASSWORD });
    expect((await team.call('whoAmI', {})).ok).toBe(true);
  });
});
