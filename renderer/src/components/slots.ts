/**
 * Places where one feature shows another's component. The app composes them (app/App.tsx), so
 * no feature imports another: a feature takes the slot as a prop and renders it.
 */
import type { ReactNode } from 'react';
import type { Account, ApiKey } from '../../../shared/schemas.ts';

/** The API panel for one key (and one report), in a dialog. */
export interface ApiPanelProps {
  keyRecord: ApiKey;
  reportId?: number;
  onClose: () => void;
}
export type ApiPanelSlot = (p: ApiPanelProps) => ReactNode;

/** An account's API keys, their whitelists and API panels. */
export type KeysSlot = (account: Account) => ReactNode;
