/** A small hash router: #/partners, #/partners/3, #/reports/5 … so the back button works. */
import { create } from 'zustand';

import { PAGES, type Page } from '../../../shared/desktop-bridge.ts';

export type { Page };
export interface Route {
  page: Page;
  id: number | null;
}

export function parseHash(hash: string): Route {
  const [, page, id] = /^#\/([a-z]+)(?:\/(\d+))?/.exec(hash) ?? [];
  return {
    page: (PAGES as readonly string[]).includes(page ?? '') ? (page as Page) : 'partners',
    id: id ? Number(id) : null,
  };
}

interface RouterState {
  route: Route;
  go: (page: Page, id?: number | null) => void;
}

export const useRouter = create<RouterState>((set) => ({
  route: parseHash(location.hash),
  go(page, id = null) {
    const hash = `#/${page}${id ? `/${id}` : ''}`;
    if (location.hash !== hash) history.pushState(null, '', hash);
    set({ route: { page, id } });
  },
}));

window.addEventListener('popstate', () => useRouter.setState({ route: parseHash(location.hash) }));
