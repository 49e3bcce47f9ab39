import { Alert, Button, Checkbox, Code, Group, Text, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { parseDuration } from '../../../../shared/durations.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { HandoutDialog } from './HandoutDialog.tsx';
import { formatDate, relative } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { useKeys, type BulkOutcome } from '../../stores/keys.ts';
import { plural } from '../../../../shared/words.ts';
import { EditKeyDialog } from './KeyForm.tsx';
import {
  dateInputValue,
  DURATIONS,
  durationBase,
  endOfDay,
  judgeExpiry,
  plusDays,
} from './expiry.ts';

export type Action = {
  kind: 'revoke' | 'extend' | 'rotate' | 'edit' | 'handout';
  key: ApiKey;
} | null;

/**
 * Runs a key action: busy while it runs, a toast when done, the dialog closed. `run` is for
 * one key; `runMany` says how a change to several went, failures by key.
 */
function useRun(keys: readonly ApiKey[], onClose: () => void) {
  const [busy, setBusy] = useState(false);
  const settle = <T,>(p: Promise<T>, toast: (r: T) => void) => {
    setBusy(true);
    p.then(
      (r) => (toast(r), onClose()),
      (e: unknown) => notify.error('Not done', e),
    ).finally(() => setBusy(false));
  };
  return {
    busy,
    run: (p: Promise<unknown>, done: string) =>
      settle(p, () => notify.ok(done, keys.map((k) => `${k.label} (#${k.id})`).join(', '))),
    runMany: (p: Promise<BulkOutcome>, done: string) => settle(p, (o) => bulkToast(done, o)),
  };
}

/** Says how a change to several keys went: the count, and each failure by key. */
function bulkToast(what: string, o: BulkOutcome) {
  if (o.done) notify.ok(what, plural(o.done, 'key'));
  if (o.failed.length)
    notify.error(
      `${plural(o.failed.length, 'key')} not changed`,
      o.failed.map((f) => `#${f.id}: ${f.message}`).join(' '),
    );
}

/** Revokes one key, or every key given (from the Keys page's selection), for one reason. */
export function RevokeDialog({ keys, onClose }: { keys: readonly ApiKey[]; onClose: () => void }) {
  const revoke = useKeys((s) => s.revoke);
  const revokeMany = useKeys((s) => s.revokeMany);
  const [reason, setReason] = useState('');
  const { busy, run, runMany } = useRun(keys, onClose);
  const one = keys.length === 1 ? keys[0]! : null;
  return (
    <Confirm
      opened
      title={one ? `Revoke “${one.label}”?` : `Revoke ${plural(keys.length, 'key')}?`}
      confirmLabel={one ? 'Revoke key' : `Revoke ${plural(keys.length, 'key')}`}
      danger
      busy={busy}
      disabled={!reason.trim()}
      onClose={onClose}
      onConfirm={() =>
        one
          ? run(revoke(one.id, reason), 'Key revoked')
          : runMany(
              revokeMany(
                keys.map((k) => k.id),
                reason,
              ),
              'Keys revoked',
            )
      }
    >
      Calls with {one ? 'this key' : 'these keys'} will fail at once with{' '}
      <Code>401 key_revoked</Code>. This cannot be undone: the partner will need a new key.
      {!one && <KeyList keys={keys} />}
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

/** The keys a bulk action is about, by partner and label. */
function KeyList({ keys }: { keys: readonly ApiKey[] }) {
  const shown = keys.slice(0, 8);
  return (
    <Text size="xs" c="dimmed" mt="xs" data-testid="bulk-keys">
      {shown.map((k) => `${k.accountName}: ${k.label} (#${k.id})`).join(' · ')}
      {keys.length > shown.length && ` · and ${keys.length - shown.length} more`}
    </Text>
  );
}

type Choice = { kind: 'days'; days: number } | { kind: 'date'; date: string } | { kind: 'never' };

/** Each key's new expiry under a choice (`null`: never; `undefined`: the date is not valid). */
function newExpiry(k: ApiKey, c: Choice, now: number): number | null | undefined {
  if (c.kind === 'never') return null;
  if (c.kind === 'days') return plusDays(durationBase(k.expiresAt, now), c.days);
  // A key's current expiry day means its current expiry: nothing to change.
  if (k.expiresAt !== null && c.date === dateInputValue(k.expiresAt)) return k.expiresAt;
  return endOfDay(c.date) ?? undefined;
}

/**
 * A new expiry for one key or several: a duration added to each key's current expiry, Never,
 * or a date. A date earlier than a key's current expiry is said plainly and must be confirmed;
 * a key whose expiry would not change is left alone.
 */
export function ExpiryDialog({ keys, onClose }: { keys: readonly ApiKey[]; onClose: () => void }) {
  const extend = useKeys((s) => s.extend);
  const extendMany = useKeys((s) => s.extendMany);
  const [now] = useState(() => Date.now());
  const one = keys.length === 1 ? keys[0]! : null;
  const [choice, setChoice] = useState<Choice>({ kind: 'days', days: 90 });
  const [shortenOk, setShortenOk] = useState(false);
  const { busy, run, runMany } = useRun(keys, onClose);
  const pick = (c: Choice) => (setChoice(c), setShortenOk(false));

  const plans = keys.map((k) => {
    const target = newExpiry(k, choice, now);
    return {
      k,
      target,
      verdict: target === undefined ? null : judgeExpiry(k.expiresAt, target, now),
    };
  });
  const badDate = plans.some((p) => p.verdict === null);
  const past = plans.some((p) => p.verdict === 'past');
  const earlier = plans.filter((p) => p.verdict === 'earlier');
  const same = plans.filter((p) => p.verdict === 'same');
  const changes = plans.flatMap((p) =>
    p.verdict === 'later' || p.verdict === 'earlier'
      ? [{ id: p.k.id, expiresAt: p.target ?? null }]
      : [],
  );
  const target = one ? plans[0]!.target : undefined;
  const dateShown =
    choice.kind === 'date' ? choice.date : one && target ? dateInputValue(target) : '';
  const label = one
    ? target === null
      ? 'Never expire'
      : earlier.length
        ? `Shorten to ${formatDate(target)}`
        : `Extend to ${formatDate(target)}`
    : `Change ${plural(changes.length, 'key')}`;
  return (
    <Confirm
      opened
      title={
        one
          ? `Change when “${one.label}” expires`
          : `Change when ${plural(keys.length, 'key')} expire`
      }
      confirmLabel={label}
      danger={earlier.length > 0}
      busy={busy}
      disabled={badDate || past || changes.length === 0 || (earlier.length > 0 && !shortenOk)}
      onClose={onClose}
      onConfirm={() =>
        one
          ? run(
              extend(one.id, target ?? 'never'),
              earlier.length
                ? 'Expiry shortened'
                : target === null
                  ? 'Expiry removed'
                  : 'Expiry extended',
            )
          : runMany(extendMany(changes), 'Expiry changed')
      }
    >
      {one ? (
        <Text size="sm" data-testid="expiry-now">
          Now{' '}
          {one.expiresAt === null
            ? 'never expires'
            : `expires ${formatDate(one.expiresAt)} (${relative(one.expiresAt, now)})`}
          .
        </Text>
      ) : (
        <KeyList keys={keys} />
      )}
      <Group gap="xs" mt="sm">
        {DURATIONS.map((d) => (
          <Button
            key={d.days}
            size="compact-sm"
            variant={choice.kind === 'days' && choice.days === d.days ? 'filled' : 'light'}
            onClick={() => pick({ kind: 'days', days: d.days })}
            data-testid={`extend-${d.days}`}
          >
            {d.label}
          </Button>
        ))}
        <Button
          size="compact-sm"
          variant={choice.kind === 'never' ? 'filled' : 'light'}
          onClick={() => pick({ kind: 'never' })}
          data-testid="extend-never"
        >
          Never
        </Button>
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        Added to {one ? 'the' : 'each key’s'} current expiry (or to today, where that has passed or
        is never).
      </Text>
      <TextInput
        mt="sm"
        type="date"
        label="Or a date (the key works until the end of that day)"
        value={dateShown}
        min={dateInputValue(now)}
        onChange={(e) => pick({ kind: 'date', date: e.currentTarget.value })}
        error={
          badDate
            ? 'Choose a date.'
            : past
              ? 'That day has passed. To stop a key now, revoke it.'
              : null
        }
        data-testid="extend-date"
      />
      <Text size="sm" mt="sm" data-testid="expiry-new">
        {one
          ? same.length
            ? 'That is the current expiry: nothing would change.'
            : `Afterwards it ${target === null ? 'never expires' : `expires ${formatDate(target ?? now)}`}.`
          : `${plural(changes.length, 'key')} change${changes.length === 1 ? 's' : ''}` +
            (same.length
              ? `; ${plural(same.length, 'key')} already expire${same.length === 1 ? 's' : ''} then and stay as ${same.length === 1 ? 'it is' : 'they are'}.`
              : '.')}
      </Text>
      {earlier.length > 0 && (
        <Alert color="orange" variant="light" mt="sm" data-testid="expiry-earlier">
          {one
            ? `This is earlier than the current expiry (${formatDate(one.expiresAt)}): the partner’s integration stops working sooner.`
            : `${plural(earlier.length, 'key')} would expire sooner than they do now: ${earlier
                .map((p) => `${p.k.label} (#${p.k.id})`)
                .join(', ')}. Their partners’ integrations stop working sooner.`}
          <Checkbox
            mt="xs"
            label={one ? 'Yes, shorten this key’s life' : 'Yes, shorten these keys’ lives'}
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
  const { busy, run } = useRun([k], onClose);
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
  const key = `${action.kind}:${action.key.id}`;
  switch (action.kind) {
    case 'revoke':
      return <RevokeDialog key={key} keys={[action.key]} onClose={onClose} />;
    case 'extend':
      return <ExpiryDialog key={key} keys={[action.key]} onClose={onClose} />;
    case 'rotate':
      return <RotateDialog key={key} k={action.key} onClose={onClose} />;
    case 'edit':
      return <EditKeyDialog key={key} k={action.key} onClose={onClose} />;
    case 'handout':
      return <HandoutDialog key={key} k={action.key} onClose={onClose} />;
  }
}
