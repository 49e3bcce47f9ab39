import { expect, it } from 'vitest';
import { browserSuite } from './fixture.ts';

browserSuite('people signing in to a team server', (open) => {
  it('the owner sets up from a one-time link, invites a viewer, who is refused a change with the permission named', async () => {
    const s = await open();
    const browser = s.context.browser()!;
    const fresh = async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(8000);
      return { context, page };
    };

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
});
