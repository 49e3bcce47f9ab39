/**
 * What the desktop main process announces, applied to the stores: the listener's state when it
 * changes (the tray can start and stop it), and a page to show (a clicked notification).
 */
import type { DesktopBridge, Unsubscribe } from '../../../shared/desktop-bridge.ts';
import { useListener } from './listener.ts';
import { useRouter } from '../lib/router.ts';

export function connectDesktopEvents(bridge: Pick<DesktopBridge, 'on'> | null): Unsubscribe {
  if (!bridge) return () => {};
  const off = [
    bridge.on('listener', (status) => useListener.setState({ status })),
    bridge.on('navigate', ({ page, id }) => useRouter.getState().go(page, id)),
  ];
  return () => off.forEach((o) => o());
}
