import type { Command } from 'commander';
import { CLI } from '../../../shared/cli-name.ts';
import { invalid } from '../../../shared/errors.ts';
import { ROLE_NAMES, ROLES, type Role } from '../../../shared/permissions.ts';
import type { AdminUser } from '../../../shared/users.ts';
import { formatTime, table } from '../format.ts';
import { parseId, parseIdList } from '../options.ts';
import type { CliApp } from '../program.ts';

/** Set-up links open the admin UI of `serve`, on its default port unless told otherwise. */
const ADMIN_ORIGIN = 'http://127.0.0.1:8788';

const userRow = (u: AdminUser) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: ROLE_NAMES[u.role],
  partners: u.role !== 'manager' || u.allPartners ? 'all' : u.partnerIds.join(',') || 'none',
  state: u.disabled ? 'disabled' : u.pending ? 'invited' : 'active',
  last_sign_in: u.lastSignInAt ? formatTime(u.lastSignInAt) : 'never',
});

function role(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text))
    throw invalid('unknown_role', `"${text}" is not a role; the roles are ${ROLES.join(', ')}.`, [
      { field: 'role', message: 'unknown role' },
    ]);
  return text as Role;
}

function linkText(token: string, expiresAt: number, origin: string, owner = false): string {
  return (
    `One-time set-up link (until ${formatTime(expiresAt)}):\n  ${origin}/#setup=${token}${owner ? '&owner=1' : ''}\n` +
    `It opens the admin UI of \`${CLI} serve\`; give --origin when it listens elsewhere.\n`
  );
}

export function registerUserCommands(program: Command, app: CliApp): void {
  const user = program
    .command('user')
    .description('the people who administer Partnergate (owner, admin, manager, viewer)');

  user
    .command('invite')
    .description('invite a person: prints their one-time set-up link')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>')
    .requiredOption('--role <role>', 'admin, manager or viewer')
    .option('--partners <ids>', 'manager: the partners they work on')
    .option('--all-partners', 'manager: every partner')
    .option('--origin <url>', 'where the admin UI answers', ADMIN_ORIGIN)
    .action(
      (
        o: {
          email: string;
          name: string;
          role: string;
          partners?: string;
          allPartners?: boolean;
          origin: string;
        },
        cmd: Command,
      ) => {
        const r = app.core(cmd).users.invite({
          email: o.email,
          name: o.name,
          role: role(o.role),
          allPartners: o.allPartners ?? false,
          partnerIds: o.partners ? parseIdList(o.partners, '--partners') : [],
        });
        app.print(
          cmd,
          { user: r.user, setupUrl: `${o.origin}/#setup=${r.token}`, expiresAt: r.expiresAt },
          () =>
            `Invited ${r.user.name} <${r.user.email}> as ${ROLE_NAMES[r.user.role]}.\n` +
            linkText(r.token, r.expiresAt, o.origin),
        );
      },
    );

  user
    .command('owner-link')
    .description('the one-time link that creates the owner, on a store nobody administers yet')
    .option('--origin <url>', 'where the admin UI answers', ADMIN_ORIGIN)
    .action((o: { origin: string }, cmd: Command) => {
      const r = app.core(cmd).users.ownerSetupLink();
      app.print(
        cmd,
        { setupUrl: `${o.origin}/#setup=${r.token}&owner=1`, expiresAt: r.expiresAt },
        () => linkText(r.token, r.expiresAt, o.origin, true),
      );
    });

  user
    .command('list')
    .description('everyone, their role and when they last signed in')
    .action((_o: unknown, cmd: Command) => {
      const list = app.core(cmd).users.list();
      app.print(cmd, list, () =>
        list.length
          ? table(list.map(userRow), [
              'id',
              'email',
              'name',
              'role',
              'partners',
              'state',
              'last_sign_in',
            ])
          : `Nobody yet: \`${CLI} serve\` prints the owner's set-up link (or \`${CLI} user owner-link\`).\n`,
      );
    });

  user
    .command('set-role')
    .description("change a person's role")
    .argument('<id>')
    .argument('<role>', ROLES.join(', '))
    .action((id: string, r: string, _o: unknown, cmd: Command) => {
      const u = app.core(cmd).users.setRole(parseId(id, 'id'), role(r));
      app.print(cmd, u, () => `${u.name} is ${ROLE_NAMES[u.role]} now.\n`);
    });

  user
    .command('partners')
    .description('which partners an account manager works on')
    .argument('<id>')
    .option('--partners <ids>', 'these partners')
    .option('--all-partners', 'every partner')
    .action((id: string, o: { partners?: string; allPartners?: boolean }, cmd: Command) => {
      if (!o.partners && !o.allPartners)
        throw invalid('missing_options', 'Give --partners ID,… or --all-partners.');
      const u = app.core(cmd).users.setPartners(parseId(id, 'id'), {
        allPartners: o.allPartners ?? false,
        partnerIds: o.partners ? parseIdList(o.partners, '--partners') : [],
      });
      app.print(
        cmd,
        u,
        () =>
          `${u.name} works on ${userRow(u).partners === 'all' ? 'every partner' : `partners ${userRow(u).partners}`}.\n`,
      );
    });

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const)
    user
      .command(verb)
      .description(
        disabled
          ? 'stop a person signing in (their sessions end now)'
          : 'let a disabled person sign in again',
      )
      .argument('<id>')
      .action((id: string, _o: unknown, cmd: Command) => {
        const u = app.core(cmd).users.setDisabled(parseId(id, 'id'), disabled);
        app.print(
          cmd,
          u,
          () => `${u.name} is ${u.disabled ? 'disabled; their sessions ended' : 'enabled'}.\n`,
        );
      });

  user
    .command('sign-out')
    .description('end every session of a person')
    .argument('<id>')
    .action((id: string, _o: unknown, cmd: Command) => {
      const r = app.core(cmd).users.endSessions(parseId(id, 'id'));
      app.print(cmd, r, () => `${r.ended} session${r.ended === 1 ? '' : 's'} ended.\n`);
    });

  user
    .command('reset-link')
    .description('a new set-up link (a forgotten password); their sessions end now')
    .argument('<id>')
    .option('--origin <url>', 'where the admin UI answers', ADMIN_ORIGIN)
    .action((id: string, o: { origin: string }, cmd: Command) => {
      const r = app.core(cmd).users.resetLink(parseId(id, 'id'));
      app.print(cmd, { setupUrl: `${o.origin}/#setup=${r.token}`, expiresAt: r.expiresAt }, () =>
        linkText(r.token, r.expiresAt, o.origin),
      );
    });

  user
    .command('remove')
    .description('remove a person (what they did stays in the audit log)')
    .argument('<id>')
    .action((id: string, _o: unknown, cmd: Command) => {
      const r = app.core(cmd).users.remove(parseId(id, 'id'));
      app.print(cmd, r, () => `Removed person #${r.id}.\n`);
    });
}
