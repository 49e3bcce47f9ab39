import { useShallow } from 'zustand/react/shallow';
import { Code, NumberInput, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { parseDuration } from '../../../../shared/durations.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { formatDate } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { useKeys } from '../../stores/keys.ts';

const DAY = 86_400_000;

export type Action = { kind: 'revoke' | 'extend' | 'rotate'; key: ApiKey } | null;

export function KeyActionDialog({ action, onClose }: { action: Action; onClose: () => void }) {
  const { revoke, extend, rotate } = useKeys(
    useShallow((s) => ({ revoke: s.revoke, extend: s.extend, rotate: s.rotate })),
  );
  const [reason, setReason] = useState('');
  const [days, setDays] = useState(90);
  const [grace, setGrace] = useState('24h');
  const [busy, setBusy] = useState(false);
  const [now] = useState(() => Date.now());
  if (!action) return null;
  const k = action.key;
  const run = (p: Promise<unknown>, done: string) => {
    setBusy(true);
    p.then(
      () => (notify.ok(done, `${k.label} (#${k.id})`), onClose()),
      (e: unknown) => notify.error('Not done', e),
    ).finally(() => setBusy(false));
  };
  if (action.kind === 'revoke') {
    return (
      <Confirm
        opened
        title={`Revoke “${k.label}”?`}
        confirmLabel="Revoke key"
        danger
        busy={busy}
        disabled={!reason.trim()}
        onClose={onClose}
        onConfirm={() => run(revoke(k.id, reason), 'Key revoked')}
      >
        Calls with this key will fail at once with <Code>401 key_revoked</Code>. This cannot be
        undone: the partner will need a new key.
        <Textarea
          mt="sm"
          label="Reason (for the audit log)"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          data-testid="revoke-reason"
        />
      </Confirm>
    );
  }
  if (action.kind === 'extend') {
    return (
      <Confirm
        opened
        title={`Extend “${k.label}”`}
        confirmLabel={`Extend to ${formatDate(now + days * DAY)}`}
        busy={busy}
        onClose={onClose}
        onConfirm={() => run(extend(k.id, now + days * DAY), 'Expiry extended')}
      >
        The key now expires {formatDate(k.expiresAt)}. It will expire {days} days from now instead;
        nothing else changes.
        <NumberInput
          mt="sm"
          label="Days from now"
          min={1}
          max={3650}
          value={days}
          onChange={(v) => setDays(Number(v) || 1)}
        />
      </Confirm>
    );
  }
  let graceMs = 0;
  let graceError: string | null = null;
  try {
    graceMs = grace.trim() === '0' ? 0 : parseDuration(grace, 'Grace period');
  } catch (e) {
    graceError = (e as Error).message;
  }
  return (
    <Confirm
      opened
      title={`Rotate “${k.label}”`}
      confirmLabel="Rotate key"
      busy={busy}
      disabled={graceError !== null}
      onClose={onClose}
      onConfirm={() => run(rotate(k.id, graceMs), 'Key rotated')}
    >
      A new key with the same permissions, expiry, rate limit and whitelist is issued and shown
      once. The current key keeps working for the grace period, then stops (0 stops it now).
      <TextInput
        mt="sm"
        label="Grace period"
        description="e.g. 24h, 7d, 0"
        value={grace}
        onChange={(e) => setGrace(e.currentTarget.value)}
        error={graceError}
      />
    </Confirm>
  );
}
