import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { IconSearch } from '@tabler/icons-react';
import { formatMoney, majorUnitsText, parseMoney } from '../../../../shared/money.ts';
import {
  OFFER_STATUSES,
  offerCreateInput,
  offerUpdateInput,
  type Offer,
  type OfferCreateInput,
  type OfferStatus,
  type OfferUpdateInput,
} from '../../../../shared/schemas.ts';
import { plural } from '../../../../shared/words.ts';
import { formatDate } from '../../lib/format.ts';
import { useForm } from '../../lib/form-check.ts';
import { notify } from '../../lib/notify.ts';
import { useOffers } from './store.ts';

const STATUS_COLOR: Record<OfferStatus, string> = {
  active: 'teal',
  paused: 'yellow',
  archived: 'gray',
};

const STATUS_WORDS: Record<OfferStatus, string> = {
  active: 'Active: takes clicks and conversions',
  paused: 'Paused: kept in reports, new traffic refused',
  archived: 'Archived: history only',
};

/** The payout as typed, in minor units, or why it cannot be one. */
function payoutOf(text: string, currency: string): { minor: number; error: string | null } {
  if (!text.trim()) return { minor: Number.NaN, error: 'must not be empty' };
  try {
    return { minor: parseMoney(text, currency, 'Default payout'), error: null };
  } catch (e) {
    return { minor: Number.NaN, error: (e as Error).message };
  }
}

/** A new offer, or an offer's name, status and default payout (its currency never changes). */
function OfferForm({ offer, onDone }: { offer: Offer | null; onDone: () => void }) {
  const create = useOffers((s) => s.create);
  const update = useOffers((s) => s.update);
  const [name, setName] = useState(offer?.name ?? '');
  const [status, setStatus] = useState<OfferStatus>(offer?.status ?? 'active');
  const [currency, setCurrency] = useState(offer?.currency ?? 'USD');
  const [payout, setPayout] = useState(
    offer ? majorUnitsText(offer.defaultPayout, offer.currency) : '',
  );
  const parsed = payoutOf(payout, currency);
  const extra: Record<string, string> = parsed.error ? { defaultPayout: parsed.error } : {};
  const created: OfferCreateInput = { name, status, currency, defaultPayout: parsed.minor };
  // Only what changed on the offer shown.
  const changes: OfferUpdateInput = offer
    ? {
        id: offer.id,
        ...(name !== offer.name && { name }),
        ...(status !== offer.status && { status }),
        ...(parsed.minor !== offer.defaultPayout && { defaultPayout: parsed.minor }),
      }
    : { id: 0 };
  const form = useForm(offer ? offerUpdateInput : offerCreateInput, offer ? changes : created, {
    extra,
    failTitle: 'Offer not saved',
    send() {
      if (!offer) return create(created).then((o) => (notify.ok('Offer added', o.name), onDone()));
      if (Object.keys(changes).length === 1) {
        notify.info('Nothing to save', 'No field was changed.');
        return null;
      }
      return update(changes).then((o) => (notify.ok('Offer saved', o.name), onDone()));
    },
  });
  const { errors } = form;
  return (
    <form {...form.props} data-testid="offer-form">
      <Stack gap="sm">
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
          maxLength={200}
          required
          data-testid="offer-name"
        />
        <Group grow align="flex-start">
          <TextInput
            label="Default payout"
            description="Paid per conversion unless the postback says otherwise"
            placeholder="12.50"
            value={payout}
            onChange={(e) => setPayout(e.currentTarget.value)}
            error={errors.defaultPayout}
            maxLength={20}
            required
            data-testid="offer-payout"
          />
          <TextInput
            label="Currency"
            description={offer ? 'Fixed: its history is counted in it' : 'ISO 4217, e.g. EUR'}
            value={currency}
            onChange={(e) => setCurrency(e.currentTarget.value.toUpperCase())}
            error={errors.currency}
            maxLength={3}
            disabled={!!offer}
            data-testid="offer-currency"
          />
        </Group>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Status
          </Text>
          <SegmentedControl
            value={status}
            onChange={(v) => setStatus(v)}
            data={OFFER_STATUSES.map((s) => ({
              value: s,
              label: s[0]!.toUpperCase() + s.slice(1),
            }))}
            data-testid="offer-status"
          />
          <Text size="xs" c="dimmed">
            {STATUS_WORDS[status]}
          </Text>
        </Stack>
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={form.busy} data-testid="offer-save">
            {offer ? 'Save changes' : 'Add offer'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The network's offers: what partners send traffic to, with default payouts. */
export function OffersPage() {
  const offers = useOffers((s) => s.offers);
  const load = useOffers((s) => s.load);
  // What the dialog is for stays set while it closes, so it does not go blank as it fades;
  // each opening is a new form.
  const [dialog, setDialog] = useState<{ for: Offer | 'new'; n: number; open: boolean }>({
    for: 'new',
    n: 0,
    open: false,
  });
  const edit = (o: Offer | 'new') => setDialog({ for: o, n: dialog.n + 1, open: true });
  const close = () => setDialog({ ...dialog, open: false });
  const dialogFor = dialog.for;
  const [search, setSearch] = useState('');
  useEffect(() => {
    load().catch((e: unknown) => notify.error('Could not load offers', e));
  }, [load]);
  const q = search.trim().toLowerCase();
  const shown = offers.filter((o) => !q || o.name.toLowerCase().includes(q) || String(o.id) === q);
  return (
    <Stack gap="sm" data-testid="offers-page">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={3}>Offers</Title>
          <Text size="sm" c="dimmed">
            {plural(offers.length, 'offer')}; partners with the offers permission see the active
            ones.
          </Text>
        </div>
        <Group gap="xs">
          <TextInput
            placeholder="Name or #id"
            aria-label="Search offers"
            leftSection={<IconSearch size={14} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maxLength={100}
            w={220}
          />
          <Button onClick={() => edit('new')} data-testid="add-offer">
            Add offer
          </Button>
        </Group>
      </Group>
      <Paper withBorder>
        <Table.ScrollContainer minWidth={600}>
          <Table highlightOnHover data-testid="offers-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={60}>#</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Default payout</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((o) => (
                <Table.Tr key={o.id} data-testid={`offer-row-${o.id}`}>
                  <Table.Td>{o.id}</Table.Td>
                  <Table.Td>{o.name}</Table.Td>
                  <Table.Td>
                    <Badge
                      size="sm"
                      variant="light"
                      color={STATUS_COLOR[o.status]}
                      styles={{ label: { overflow: 'visible' } }}
                    >
                      {o.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right" ff="monospace">
                    {formatMoney(o.defaultPayout, o.currency)}
                  </Table.Td>
                  <Table.Td>{formatDate(o.createdAt)}</Table.Td>
                  <Table.Td ta="right">
                    <Button
                      size="compact-xs"
                      variant="light"
                      onClick={() => edit(o)}
                      data-testid={`edit-offer-${o.id}`}
                    >
                      Edit
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {shown.length === 0 && (
          <Text c="dimmed" size="sm" p="sm">
            {offers.length ? 'No offer matches.' : 'No offers yet.'}
          </Text>
        )}
      </Paper>
      <Modal
        opened={dialog.open}
        onClose={close}
        title={dialogFor === 'new' ? 'Add an offer' : `Edit “${dialogFor.name}”`}
      >
        <OfferForm key={dialog.n} offer={dialogFor === 'new' ? null : dialogFor} onDone={close} />
      </Modal>
    </Stack>
  );
}
