import { Alert, Button, Checkbox, Code, Group, Text, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { parseDuration } from '../../../../shared/durations.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { formatDate, relative } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { useKeys } from '../../stores/keys.ts';
import { EditKeyDialog } from './KeyForm.tsx';
import {
  dateInputValue,
  DURATIONS,
  durationBase,
  endOfDay,
  judgeExpiry,
  plusDays,
} from './expiry.ts';

export type Action = { kind: 'revoke' | 'extend' | 'rotate' | 'edit'; key: ApiKey } | null;

/** Runs a key action: busy while it runs, a toast when done, the dialog closed. */
function useRun(k: ApiKey, onClose: () => void) {
  const [busy, setBusy] = useState(false);
  const run = (p: Promise<unknown>, done: string) => {
    setBusy(true);
    p.then(
      () => (notify.ok(done, `${k.label} (#${k.id})`), onClose()),
      (e: unknown) => notify.error('Not done', e),
    ).finally(() => setBusy(false));
  };
  return { busy, run };
}

function RevokeDialog({ k, onClose }: { k: ApiKey; onClose: () => void }) {
  const revoke = useKeys((s) => s.revoke);
  const [reason, setReason] = useState('');
  const { busy, run } = useRun(k, onClose);
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
        label="Reason (kept with the key and in the audit log)"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        maxLength={500}
        data-testid="revoke-reason"
      />
    </Confirm>
  );
}

/**
 * A new expiry: a date, or a duration added to the current expiry. A date earlier than the
 * current expiry is said plainly and must be confirmed; the same date changes nothing.
 */
function ExtendDialog({ k, onClose }: { k: ApiKey; onClose: () => void }) {
  const extend = useKeys((s) => s.extend);
  const [now] = useState(() => Date.now());
  const current = k.expiresAt;
  const base = durationBase(current, now);
  const [target, setTarget] = useState<number | null>(() => plusDays(base, 90));
  const [date, setDate] = useState(() => dateInputValue(plusDays(base, 90)));
  const [shortenOk, setShortenOk] = useState(false);
  const { busy, run } = useRun(k, onClose);
  const pick = (t: number | null) => {
    setTarget(t);
    if (t !== null) setDate(dateInputValue(t));
    setShortenOk(false);
  };
  const badDate = date !== '' && target !== null && endOfDay(date) === null;
  const verdict = judgeExpiry(current, target, now);
  const newWords = target === null ? 'never expires' : `expires ${formatDate(target)}`;
  return (
    <Confirm
      opened
      title={`Change when “${k.label}” expires`}
      confirmLabel={
        target === null
          ? 'Never expire'
          : verdict === 'earlier'
            ? `Shorten to ${formatDate(target)}`
            : `Extend to ${formatDate(target)}`
      }
      danger={verdict === 'earlier'}
      busy={busy}
      disabled={
        badDate || verdict === 'same' || verdict === 'past' || (verdict === 'earlier' && !shortenOk)
      }
      onClose={onClose}
      onConfirm={() =>
        run(
          extend(k.id, target ?? 'never'),
          verdict === 'earlier'
            ? 'Expiry shortened'
            : target === null
              ? 'Expiry removed'
              : 'Expiry extended',
        )
      }
    >
      <Text size="sm" data-testid="expiry-now">
        Now{' '}
        {current === null
          ? 'never expires'
          : `expires ${formatDate(current)} (${relative(current, now)})`}
        .
      </Text>
      <Group gap="xs" mt="sm">
        {DURATIONS.map((d) => (
          <Button
            key={d.days}
            size="compact-sm"
            variant={target === plusDays(base, d.days) ? 'filled' : 'light'}
            onClick={() => pick(plusDays(base, d.days))}
            data-testid={`extend-${d.days}`}
          >
            {d.label}
          </Button>
        ))}
        <Button
          size="compact-sm"
          variant={target === null ? 'filled' : 'light'}
          onClick={() => pick(null)}
          data-testid="extend-never"
        >
          Never
        </Button>
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        Added to {current !== null && current > now ? 'the current expiry' : 'today'}.
      </Text>
      <TextInput
        mt="sm"
        type="date"
        label="Or a date (the key works until the end of that day)"
        value={target === null ? '' : date}
        min={dateInputValue(now)}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setDate(v);
          setShortenOk(false);
          // The current expiry's own day means the current expiry: nothing to change.
          const t = current !== null && v === dateInputValue(current) ? current : endOfDay(v);
          if (t !== null) setTarget(t);
        }}
        error={
          badDate
            ? 'Choose a date.'
            : verdict === 'past'
              ? 'That day has passed. To stop the key now, revoke it.'
              : null
        }
        data-testid="extend-date"
      />
      <Text size="sm" mt="sm" data-testid="expiry-new">
        {verdict === 'same'
          ? 'That is the current expiry: nothing would change.'
          : `Afterwards it ${newWords}.`}
      </Text>
      {verdict === 'earlier' && (
        <Alert color="orange" variant="light" mt="sm" data-testid="expiry-earlier">
          This is earlier than the current expiry
          {current === null ? ' (never)' : ` (${formatDate(current)})`}: the partner’s integration
          stops working sooner.
          <Checkbox
            mt="xs"
            label="Yes, shorten this key’s life"
            checked={shortenOk}
            onChange={(e) => setShortenOk(e.currentTarget.checked)}
            data-testid="confirm-shorten"
          />
        </Alert>
      )}
    </Confirm>
  );
}

function RotateDialog({ k, onClose }: { k: ApiKey; onClose: () => void }) {
  const rotate = useKeys((s) => s.rotate);
  const [grace, setGrace] = useState('24h');
  const { busy, run } = useRun(k, onClose);
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

/** The dialog for one action on one key; each opens fresh for the key it was asked for. */
export function KeyActionDialog({ action, onClose }: { action: Action; onClose: () => void }) {
  if (!action) return null;
  const props = { key: `${action.kind}:${action.key.id}`, k: action.key, onClose };
  switch (action.kind) {
    case 'revoke':
      return <RevokeDialog {...props} />;
    case 'extend':
      return <ExtendDialog {...props} />;
    case 'rotate':
      return <RotateDialog {...props} />;
    case 'edit':
      return <EditKeyDialog {...props} />;
  }
}
