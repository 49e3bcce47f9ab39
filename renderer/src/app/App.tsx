import { useShallow } from 'zustand/react/shallow';
import {
  ActionIcon,
  AppShell,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  MantineProvider,
  Menu,
  NavLink,
  Notification,
  Paper,
  Stack,
  Text,
  Title,
  Tooltip,
  createTheme,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useEffect } from 'react';
import { IconExternalLink, IconMoon, IconSun } from '@tabler/icons-react';
import { useSession } from '../stores/session.ts';
import { useRouter, type Page } from '../lib/router.ts';
import { notify, useToasts } from '../lib/notify.ts';
import { ROLE_NAMES, type Permission } from '../../../shared/permissions.ts';
import { useMe } from '../stores/me.ts';
import { PeoplePage } from '../features/people/PeoplePage.tsx';
import { AccountPage } from '../features/account/AccountPage.tsx';
import { PartnersPage } from '../features/partners/PartnersPage.tsx';
import { PartnerPage } from '../features/partners/PartnerPage.tsx';
import { ReportsPage } from '../features/reports/ReportsPage.tsx';
import { ListenerPage } from '../features/listener/ListenerPage.tsx';
import { DashboardPage } from '../features/dashboard/DashboardPage.tsx';
import { AuditPage } from '../features/audit/AuditPage.tsx';
import { ImportPage } from '../features/import/ImportPage.tsx';
import { SettingsPage } from '../features/settings/SettingsPage.tsx';
import { KeysPanel } from '../features/keys/KeysPanel.tsx';
import { KeysPage } from '../features/keys/KeysPage.tsx';
import { OffersPage } from '../features/offers/OffersPage.tsx';
import { SourcesPage } from '../features/sources/SourcesPage.tsx';
import { GlobalSearch } from '../features/search/GlobalSearch.tsx';
import { ApiPanel } from '../features/api-panel/ApiPanel.tsx';
import type { ApiPanelSlot, KeysSlot } from '../components/slots.ts';
import { useAbout } from '../stores/about.ts';
import { useListener } from '../stores/listener.ts';
import { useSettings } from '../stores/settings.ts';
import { SetupForm, SignInForm } from './SignIn.tsx';
import { ConnectionMenu } from '../features/connection/ConnectionMenu.tsx';
import { ServerProblem } from '../features/connection/ServerProblem.tsx';
import { useConnection } from '../features/connection/store.ts';
import { useSources } from '../stores/sources.ts';

const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'sm',
  fontSizes: { md: '14px' },
  components: {
    Table: { defaultProps: { verticalSpacing: 6, horizontalSpacing: 'sm', fz: 'sm' } },
  },
});

/** The pages, each shown to those whose role holds its permission. */
const NAV: { page: Page; label: string; needs: Permission }[] = [
  { page: 'partners', label: 'Partners', needs: 'partners:read' },
  { page: 'keys', label: 'API keys', needs: 'keys:read' },
  { page: 'offers', label: 'Offers', needs: 'partners:read' },
  { page: 'reports', label: 'Reports', needs: 'reports:read' },
  { page: 'dashboard', label: 'Dashboard', needs: 'usage:read' },
  { page: 'listener', label: 'Listener', needs: 'usage:read' },
  { page: 'import', label: 'Import', needs: 'data:import' },
  { page: 'sources', label: 'Sources', needs: 'sources:read' },
  { page: 'audit', label: 'Audit log', needs: 'usage:read' },
  { page: 'people', label: 'People', needs: 'users:manage' },
  { page: 'settings', label: 'Settings', needs: 'usage:read' },
];

function Toasts() {
  const { toasts, dismiss, dismissAll } = useToasts(
    useShallow((s) => ({ toasts: s.toasts, dismiss: s.dismiss, dismissAll: s.dismissAll })),
  );
  return (
    <Stack
      pos="fixed"
      bottom={16}
      right={16}
      w={380}
      gap="xs"
      style={{ zIndex: 1000 }}
      aria-live="polite"
      data-testid="toasts"
    >
      {toasts.length > 1 && (
        <Group justify="flex-end">
          <Button
            size="compact-xs"
            variant="default"
            onClick={dismissAll}
            data-testid="dismiss-all"
          >
            Dismiss all
          </Button>
        </Group>
      )}
      {toasts.map((t) => (
        <Notification
          key={t.id}
          color={t.kind === 'error' ? 'red' : t.kind === 'success' ? 'teal' : 'indigo'}
          title={t.count > 1 ? `${t.title} (×${t.count})` : t.title}
          onClose={() => dismiss(t.id)}
          closeButtonProps={{ 'aria-label': 'Dismiss' }}
          withBorder
          data-testid={`toast-${t.kind}`}
        >
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {t.message}
            </Text>
            {t.action && (
              <Button
                size="compact-xs"
                variant="light"
                onClick={() => (t.action!.run(), dismiss(t.id))}
              >
                {t.action.label}
              </Button>
            )}
          </Group>
        </Notification>
      ))}
    </Stack>
  );
}

/** The saved theme applied to the page; the toggle saves a choice of light or dark. */
function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const { settings, load, update } = useSettings(
    useShallow((s) => ({ settings: s.settings, load: s.load, update: s.update })),
  );
  useEffect(() => {
    load().catch(() => {
      /* the page still works with the system theme */
    });
  }, [load]);
  const theme = useConnection((s) => s.state?.mode === 'server') ? undefined : settings?.theme;
  useEffect(() => {
    if (theme) setColorScheme(theme === 'system' ? 'auto' : theme);
  }, [theme, setColorScheme]);
  const dark = computed === 'dark';
  // On a team server the settings are the server's: the theme chosen here stays on this computer.
  const remote = useConnection((s) => s.state?.mode === 'server');
  return (
    <Tooltip label={dark ? 'Light theme' : 'Dark theme'}>
      <ActionIcon
        variant="default"
        aria-label="Switch theme"
        onClick={() => {
          setColorScheme(dark ? 'light' : 'dark');
          if (remote) return;
          void update({ theme: dark ? 'light' : 'dark' }).catch(() => {
            /* shown, but not kept: the next start uses the saved theme */
          });
        }}
      >
        {dark ? <IconSun size={16} /> : <IconMoon size={16} />}
      </ActionIcon>
    </Tooltip>
  );
}

function ListenerBadge() {
  const { status, load } = useListener(useShallow((s) => ({ status: s.status, load: s.load })));
  const go = useRouter((s) => s.go);
  useEffect(() => {
    void load();
  }, [load]);
  if (!status) return null;
  return (
    <Badge
      component="button"
      onClick={() => go('listener')}
      color={status.clearBeyondLoopback ? 'red' : status.running ? 'teal' : 'gray'}
      variant="light"
      style={{ cursor: 'pointer' }}
      data-testid="listener-badge"
    >
      {status.clearBeyondLoopback
        ? `API on :${status.port} over plain HTTP`
        : status.running
          ? `API listening on :${status.port}${status.https ? ' (HTTPS)' : ''}`
          : 'API stopped'}
    </Badge>
  );
}

/** The signed-in person (a team server), with signing out here or everywhere. */
function SignedInAs() {
  const { user, signOut } = useSession(useShallow((s) => ({ user: s.user, signOut: s.signOut })));
  const go = useRouter((s) => s.go);
  if (!user) return null;
  const out = (everywhere: boolean) =>
    void signOut(everywhere).catch((e: unknown) => notify.error('Not signed out', e));
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <Button size="compact-sm" variant="default" data-testid="signed-in-as">
          {user.name} · {ROLE_NAMES[user.role]}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{user.email}</Menu.Label>
        <Menu.Item onClick={() => go('account')} data-testid="your-sign-in">
          Your sign-in (authenticator, tokens)
        </Menu.Item>
        <Menu.Item onClick={() => out(false)} data-testid="sign-out">
          Sign out
        </Menu.Item>
        <Menu.Item onClick={() => out(true)} data-testid="sign-out-everywhere">
          Sign out everywhere
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/** Says plainly when the partners and data shown are generated, not a real network. */
function DemoBadge() {
  const { about, load } = useAbout(useShallow((s) => ({ about: s.about, load: s.load })));
  useEffect(() => {
    load().catch(() => {
      /* without it the page works; it only cannot say it is the demo */
    });
  }, [load]);
  if (!about?.demo) return null;
  return (
    <Tooltip
      multiline
      w={320}
      label={`Generated partners, keys and traffic (seed ${about.demo.seed}) in ${about.dataDir}. Your own network lives in its own data folder: start with --data-dir, or set PARTNERGATE_DATA_DIR.`}
    >
      <Badge color="orange" variant="light" data-testid="demo-badge">
        Demo network
      </Badge>
    </Tooltip>
  );
}

/** The partner API's reference, served by the listener, in a new window. */
function ApiReferenceLink() {
  const status = useListener((s) => s.status);
  const url = status?.running ? status.addresses[0]?.url : undefined;
  return (
    <NavLink
      label="Partner API reference"
      description={url ? 'Opens in a new window' : 'Start the listener to read it'}
      rightSection={<IconExternalLink size={14} />}
      href={url ? `${url}/api/v1/docs` : undefined}
      target="_blank"
      rel="noreferrer"
      disabled={!url}
      data-testid="nav-api-reference"
    />
  );
}

/** A red count on "Sources" while sources fail past their alert threshold (checked each minute). */
function SourcesAlertBadge() {
  const { sources, load } = useSources(useShallow((s) => ({ sources: s.sources, load: s.load })));
  useEffect(() => {
    const check = () =>
      void load().catch(() => {
        /* the badge waits for the next check */
      });
    check();
    const t = setInterval(check, 60_000);
    return () => clearInterval(t);
  }, [load]);
  const failing = sources.filter((s) => s.alerting).length;
  if (!failing) return null;
  return (
    <Tooltip label={`${failing} failing: open Sources`}>
      <Badge color="red" variant="filled" size="sm" circle data-testid="sources-alert-badge">
        {failing}
      </Badge>
    </Tooltip>
  );
}

// Where one feature shows another's component: composed here, so features stay apart.
const apiPanel: ApiPanelSlot = (p) => <ApiPanel {...p} />;
const keysPanel: KeysSlot = (account) => <KeysPanel account={account} apiPanel={apiPanel} />;

function Shell() {
  const { route, go } = useRouter(useShallow((s) => ({ route: s.route, go: s.go })));
  const listen = useSession((s) => s.listen);
  useEffect(() => listen(), [listen]);
  const { me, loadMe } = useMe(useShallow((s) => ({ me: s.me, loadMe: s.load })));
  useEffect(() => {
    loadMe().catch((e: unknown) => notify.error('Your permissions could not be read', e));
  }, [loadMe]);
  const nav = NAV.filter((n) => me?.permissions.includes(n.needs));
  const page =
    route.page === 'partners' && route.id ? (
      <PartnerPage id={route.id} keys={keysPanel} />
    ) : route.page === 'partners' ? (
      <PartnersPage />
    ) : route.page === 'keys' ? (
      <KeysPage apiPanel={apiPanel} />
    ) : route.page === 'offers' ? (
      <OffersPage />
    ) : route.page === 'reports' ? (
      <ReportsPage id={route.id} as={route.as} apiPanel={apiPanel} />
    ) : route.page === 'listener' ? (
      <ListenerPage />
    ) : route.page === 'dashboard' ? (
      <DashboardPage />
    ) : route.page === 'audit' ? (
      <AuditPage />
    ) : route.page === 'settings' ? (
      <SettingsPage />
    ) : route.page === 'sources' ? (
      <SourcesPage id={route.id} />
    ) : route.page === 'people' ? (
      <PeoplePage />
    ) : route.page === 'account' ? (
      <AccountPage />
    ) : (
      <ImportPage />
    );
  return (
    <AppShell header={{ height: 48 }} navbar={{ width: 190, breakpoint: 0 }} padding="md">
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between">
          <Group gap="sm">
            <Text fw={700} size="lg">
              Partnergate
            </Text>
            <DemoBadge />
          </Group>
          <GlobalSearch />
          <Group gap="xs" wrap="nowrap">
            <ConnectionMenu />
            <ListenerBadge />
            <SignedInAs />
            <ThemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {nav.map((n) => (
          <NavLink
            key={n.page}
            label={n.label}
            active={route.page === n.page}
            rightSection={n.page === 'sources' ? <SourcesAlertBadge /> : undefined}
            href={`#/${n.page}`}
            onClick={(e) => {
              e.preventDefault();
              go(n.page);
            }}
            data-testid={`nav-${n.page}`}
          />
        ))}
        <div style={{ marginTop: 'auto' }}>
          <ApiReferenceLink />
        </div>
      </AppShell.Navbar>
      <AppShell.Main>{page}</AppShell.Main>
      <Toasts />
    </AppShell>
  );
}

function Gate() {
  const state = useSession((s) => s.state);
  const check = useSession((s) => s.check);
  useEffect(() => {
    void check();
  }, [check]);
  if (state === 'checking') {
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  }
  if (state === 'needs-sign-in') return <SignInForm />;
  if (state === 'server-problem') return <ServerProblem retry={() => void check()} />;
  if (state === 'needs-setup') return <SetupForm />;
  if (state !== 'signed-in') {
    return (
      <Center h="100vh">
        <Paper withBorder p="xl" maw={520}>
          <Title order={3} mb="sm">
            Sign in to Partnergate
          </Title>
          <Text>
            Open the link that <code>npm run serve</code> (or <code>npx partnergate serve</code>)
            printed when it started. Each link signs in one browser once; restart it for a new one.
          </Text>
        </Paper>
      </Center>
    );
  }
  return <Shell />;
}

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Gate />
    </MantineProvider>
  );
}
