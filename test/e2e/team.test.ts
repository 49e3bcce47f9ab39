import { expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { storeOf } from '../helpers.ts';
import type { Browser, Page } from 'playwright-core';
import { browserSuite } from './fixture.ts';

/** A browser of someone else's: its own cookies. */
async function separateBrowser(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  return { context, page };
}

browserSuite('people signing in to a team server', (open) => {
  it('the owner sets up from a one-time link, invites a viewer, who is refused a change with the permission named', async () => {
    const s = await open();
    const fresh = () => separateBrowser(s.context.browser()!);

    // The owner's link: email, name, password; then they are in.
    const link = s.core.users.ownerSetupLink();
    const owner = await fresh();
    await owner.page.goto(`${s.admin.origin}/#setup=${link.token}&owner=1`);
    await owner.page.getByTestId('setup-email').fill('olga@network.example');
    await owner.page.getByTestId('setup-name').fill('Olga');
    await owner.page.getByTestId('setup-password').fill('correct horse battery');
    await owner.page.getByTestId('setup-password-again').fill('correct horse battery');
    await owner.page.screenshot({ path: 'test-results/screenshots/70-owner-setup.png' });
    await owner.page.getByTestId('setup-submit').click();
    await owner.page.getByTestId('partners-page').waitFor();
    expect(await owner.page.getByTestId('signed-in-as').innerText()).toBe('Olga · owner');
    // The secret left the address bar with the page load.
    expect(owner.page.url()).not.toContain(link.token);

    // Once people exist, the machine's one-time-link session no longer works.
    const stale = await s.page.evaluate<number>(
      `fetch('/admin/api/listAccounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`,
    );
    expect(stale).toBe(401);

    // The owner's change is theirs in the audit log, with their address.
    await owner.page.getByTestId('nav-offers').click();
    await owner.page.getByTestId('add-offer').click();
    await owner.page.getByTestId('offer-name').fill('Team offer');
    await owner.page.getByTestId('offer-payout').fill('5');
    await owner.page.getByTestId('offer-save').click();
    await owner.page.getByText('Offer added').waitFor();
    expect(s.core.audit.list({ limit: 1 })[0]).toMatchObject({
      action: 'offer.create',
      actor: 'olga@network.example (127.0.0.1)',
    });

    // A viewer, invited: sets a password from their link, reads, and is refused a change.
    const invite = s.core.users.invite({
      email: 'vic@network.example',
      name: 'Vic',
      role: 'viewer',
    });
    const viewer = await fresh();
    await viewer.page.goto(`${s.admin.origin}/#setup=${invite.token}`);
    expect(await viewer.page.getByTestId('setup-email').count()).toBe(0);
    await viewer.page.getByTestId('setup-password').fill('vics passphrase here');
    await viewer.page.getByTestId('setup-password-again').fill('vics passphrase here');
    await viewer.page.getByTestId('setup-submit').click();
    await viewer.page.getByTestId('partners-page').waitFor();
    await viewer.page.getByTestId('nav-offers').click();
    await viewer.page.getByTestId('offers-table').getByText('Team offer').waitFor();
    await viewer.page.getByTestId('add-offer').click();
    await viewer.page.getByTestId('offer-name').fill('Not mine to add');
    await viewer.page.getByTestId('offer-payout').fill('1');
    await viewer.page.getByTestId('offer-save').click();
    await viewer.page
      .getByText(
        'Forbidden: adding and changing partners and offers needs the partners:write permission, which owner, admin, account manager have; a viewer does not.',
      )
      .waitFor();
    expect(s.core.offers.list().map((o) => o.name)).not.toContain('Not mine to add');
    await viewer.page.screenshot({ path: 'test-results/screenshots/71-viewer-refused.png' });

    // Signing out, then in again: a wrong password is refused in words.
    await viewer.page.keyboard.press('Escape');
    await viewer.page.getByTestId('offer-form').waitFor({ state: 'detached' });
    await viewer.page.getByTestId('signed-in-as').click();
    await viewer.page.getByTestId('sign-out').click();
    await viewer.page.getByTestId('sign-in-form').waitFor();
    await viewer.page.getByTestId('sign-in-email').fill('vic@network.example');
    await viewer.page.getByTestId('sign-in-password').fill('not the passphrase');
    await viewer.page.getByTestId('sign-in-submit').click();
    expect(await viewer.page.getByTestId('sign-in-error').innerText()).toBe(
      'The email or the password is wrong.',
    );
    await viewer.page.getByTestId('sign-in-password').fill('vics passphrase here');
    await viewer.page.getByTestId('sign-in-submit').click();
    await viewer.page.getByTestId('offers-page').waitFor();
    expect(await viewer.page.getByTestId('signed-in-as').innerText()).toBe('Vic · viewer');

    // The owner ends the viewer's sessions: their next call is refused.
    s.core.users.endSessions(invite.user.id);
    const after = await viewer.page.evaluate<number>(
      `fetch('/admin/api/listAccounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`,
    );
    expect(after).toBe(401);
    await owner.context.close();
    await viewer.context.close();
  });

  it('an owner invites an account manager who works on their partners only, turns on an authenticator, and is signed out when the session ends', async () => {
    const s = await open();
    const fresh = () => separateBrowser(s.context.browser()!);
    const [mine, other] = s.core.accounts.list({ kind: 'affiliate' });
    await s.core.users.completeSetup({
      token: s.core.users.ownerSetupLink().token,
      email: 'olga@network.example',
      name: 'Olga',
      password: 'correct horse battery',
    });
    const signIn = async (page: Page, email: string, pw: string) => {
      await page.goto(`${s.admin.origin}/`);
      await page.getByTestId('sign-in-email').fill(email);
      await page.getByTestId('sign-in-password').fill(pw);
      await page.getByTestId('sign-in-submit').click();
    };

    // The owner invites Mia as an account manager for one partner, from the People page.
    const owner = await fresh();
    await signIn(owner.page, 'olga@network.example', 'correct horse battery');
    await owner.page.getByTestId('nav-people').click();
    await owner.page.getByTestId('invite-person').click();
    await owner.page.getByTestId('invite-email').fill('mia@network.example');
    await owner.page.getByTestId('invite-name').fill('Mia');
    await owner.page.getByTestId('person-partners').click();
    await owner.page.getByRole('option', { name: mine!.name, exact: true }).click();
    await owner.page.keyboard.press('Escape');
    await owner.page.screenshot({ path: 'test-results/screenshots/72-invite-manager.png' });
    await owner.page.getByTestId('invite-submit').click();
    const link = await owner.page.getByTestId('setup-link').innerText();
    expect(link).toMatch(new RegExp(`^${s.admin.origin}/#setup=`));
    await owner.page.keyboard.press('Escape');
    await owner.page.getByTestId('person-mia@network.example').getByText(mine!.name).waitFor();
    await owner.page.screenshot({ path: 'test-results/screenshots/73-people.png' });

    // Mia sets her password and sees her partner only.
    const mia = await fresh();
    await mia.page.goto(link);
    await mia.page.getByTestId('setup-password').fill('mias passphrase here');
    await mia.page.getByTestId('setup-password-again').fill('mias passphrase here');
    await mia.page.getByTestId('setup-submit').click();
    await mia.page.getByTestId(`partner-row-${mine!.id}`).waitFor();
    expect(await mia.page.locator('[data-testid^="partner-row-"]').count()).toBe(1);
    expect(await mia.page.getByTestId('nav-people').count()).toBe(0);
    await mia.page.screenshot({ path: 'test-results/screenshots/74-manager-partners.png' });

    // A key for another partner is refused, naming the permission and the partner.
    const call = (method: string, body: unknown) =>
      mia.page.evaluate<{ status: number; json: { error?: { message: string } } }>(
        `fetch('/admin/api/${method}', { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(JSON.stringify(body))} }).then(async (r) => ({ status: r.status, json: await r.json() }))`,
      );
    const refused = await call('issueKey', {
      accountId: other!.id,
      label: 'not mine',
      scopes: ['reports:read'],
    });
    expect(refused.status).toBe(403);
    expect(refused.json.error!.message).toBe(
      `Forbidden: issuing, changing and revoking API keys and their whitelists for ${other!.name} needs the keys:write permission on that partner; you work on ${mine!.name}.`,
    );
    const issued = await call('issueKey', {
      accountId: mine!.id,
      label: 'Mia’s key',
      scopes: ['reports:read'],
    });
    expect(issued.status).toBe(200);
    // The key names its creator in the owner's key table.
    const key = s.core.keys.list(mine!.id).find((k) => k.label === 'Mia’s key')!;
    await owner.page.goto(`${s.admin.origin}/#/partners/${mine!.id}`);
    expect(await owner.page.getByTestId(`key-created-by-${key.id}`).innerText()).toBe(
      'mia@network.example (127.0.0.1)',
    );

    // Mia turns on an authenticator app; signing in then asks for its code.
    await mia.page.getByTestId('signed-in-as').click();
    await mia.page.getByTestId('your-sign-in').click();
    await mia.page.getByTestId('two-factor-begin').click();
    const secret = await mia.page.getByTestId('two-factor-secret').innerText();
    const app = new TOTP({ secret: Secret.fromBase32(secret.trim()) });
    await mia.page.getByTestId('two-factor-code').fill(app.generate());
    await mia.page.screenshot({ path: 'test-results/screenshots/75-authenticator.png' });
    await mia.page.getByTestId('two-factor-confirm').click();
    await mia.page.getByTestId('two-factor-state').getByText('On').waitFor();
    await mia.page.getByTestId('signed-in-as').click();
    await mia.page.getByTestId('sign-out').click();
    await signIn(mia.page, 'mia@network.example', 'mias passphrase here');
    await mia.page.getByTestId('sign-in-code').waitFor();
    // The code confirmed a moment ago works once: the next 30-second step's is accepted.
    await mia.page
      .getByTestId('sign-in-code')
      .fill(app.generate({ timestamp: Date.now() + 30_000 }));
    await mia.page.getByTestId('sign-in-submit').click();
    await mia.page.getByTestId(`partner-row-${mine!.id}`).waitFor();

    // Her session ends (7 days after sign-in, or 12 idle hours): the next page load asks again.
    storeOf(s.core).prepare(`UPDATE user_sessions SET expires_at = 0`).run();
    await mia.page.reload();
    await mia.page.getByTestId('sign-in-form').waitFor();
    await owner.context.close();
    await mia.context.close();
  });
});
