/**
 * The tray icon: whether the partner API listener is running and on which addresses, with
 * start/stop, open and quit. Plain functions over the listener's status; main.ts applies them.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { ListenerStatus } from '../../shared/admin-contract.ts';

/** macOS draws a template image in the menu bar's colours; elsewhere a dot shows the state. */
export function trayImageName(platform: NodeJS.Platform, running: boolean): string {
  if (platform === 'darwin') return 'trayTemplate.png';
  return running ? 'tray-running.png' : 'tray-stopped.png';
}

export function trayHeadline(s: ListenerStatus): string {
  if (s.running) {
    const first = s.addresses[0];
    return first ? `Partner API on ${first.url}` : `Partner API on port ${s.port}`;
  }
  return s.error ? `Partner API not running: ${s.error.message}` : 'Partner API stopped';
}

export interface TrayActions {
  open: () => void;
  start: () => void;
  stop: () => void;
  quit: () => void;
  /** Offered where the app can install its command-line tool (macOS, Linux). */
  installCli?: () => void;
}

export function trayMenu(s: ListenerStatus, actions: TrayActions): MenuItemConstructorOptions[] {
  const more = s.running
    ? s.addresses.slice(1, 6).map((a) => ({ label: `    ${a.url} (${a.kind})`, enabled: false }))
    : [];
  return [
    { label: trayHeadline(s), enabled: false },
    ...more,
    { type: 'separator' },
    s.running
      ? { label: 'Stop the partner API', click: actions.stop }
      : { label: 'Start the partner API', click: actions.start },
    { label: 'Open Partnergate', click: actions.open },
    ...(actions.installCli
      ? [{ label: 'Install command-line tool…', click: actions.installCli }]
      : []),
    { type: 'separator' },
    { label: 'Quit Partnergate', click: actions.quit },
  ];
}
