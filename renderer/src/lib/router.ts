/** A small hash router: #/partners, #/partners/3, #/reports/5?as=14 … so the back button works. */
import { create } from 'zustand';

import { PAGES, type Page } from '../../../shared/desktop-bridge.ts';

export type { Page };
export interface Route {
  page: Page;
  id: number | null;
  /** Reports: the account to preview the report as. */
  as: number | null;
}

export function parseHash(hash: string): Route {
  const [, page, id, as] = /^#\/([a-z]+)(?:\/(\d+))?(?:\?as=(\d+))?/.exec(hash) ?? [];
  return {
    page: (PAGES as readonly string[]).includes(page ?? '') ? (page as Page) : 'partners',
    id: id ? Number(id) : null,
    as: as ? Number(as) : null,
  };
}

export function hashOf(r: Route): string {
  return `#/${r.page}${r.id ? `/${r.id}` : ''}${r.as ? `?as=${r.as}` : ''}`;
}

interface RouterState {
  route: Route;
  go: (page: Page, id?: number | null, o?: { as?: number | null }) => void;
}

export const useRouter = create<RouterState>((set) => ({
  route: parseHash(location.hash),
  go(page, id = null, o = {}) {
    const route = { page, id, as: o.as ?? null };
    const hash = hashOf(route);
    if (location.hash !== hash) history.pushState(null, '', hash);
    set({ route });
  },
}));

window.addEventListener('popstate', () => useRouter.setState({ route: parseHash(location.hash) }));
