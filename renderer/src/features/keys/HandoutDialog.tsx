import {
  Alert,
  Button,
  Checkbox,
  CopyButton,
  Divider,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import type { HandoutLinkView } from '../../../../shared/admin-contract.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';
import { download } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { useCan } from '../../stores/me.ts';
import { useKeys, type HandoutFormat } from '../../stores/keys.ts';

const FORMATS: { value: HandoutFormat; label: string }[] = [
  { value: 'html', label: 'Web page' },
  { value: 'pdf', label: 'PDF' },
  { value: 'md', label: 'Markdown' },
];

/**
 * The document a partner gets with a key: saved as a file (the key in it only when ticked), or
 * served by the listener at the key's own link, which never shows the key.
 */
export function HandoutDialog({ k, onClose }: { k: ApiKey; onClose: () => void }) {
  const handout = useKeys((s) => s.handout);
  const handoutLink = useKeys((s) => s.handoutLink);
  const canReveal = useCan('keys:reveal');
  const canWrite = useCan('keys:write');
  const [format, setFormat] = useState<HandoutFormat>('html');
  const [includeKey, setIncludeKey] = useState(false);
  const [saving, setSaving] = useState(false);
  const [link, setLink] = useState<HandoutLinkView | null>(null);
  const [linkBusy, setLinkBusy] = useState(false);
  const [url, setUrl] = useState<string | null>(null);

  useEffect(() => {
    handoutLink(k.id).then(setLink, (e: unknown) => notify.error('Cannot read the link', e));
  }, [k.id, handoutLink]);
  const shownUrl = url && link?.urls.includes(url) ? url : (link?.urls[0] ?? '');

  const save = () => {
    setSaving(true);
    handout(k.id, format, includeKey)
      .then((file) => {
        const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
        download(file.filename, bytes, file.contentType);
        notify.ok(
          'Handout saved',
          includeKey
            ? `${file.filename} holds the key: send it over a private channel.`
            : `${file.filename}: send the key separately.`,
        );
      })
      .catch((e: unknown) => notify.error('Cannot make the handout', e))
      .finally(() => setSaving(false));
  };

  const toggleLink = (enabled: boolean) => {
    setLinkBusy(true);
    handoutLink(k.id, enabled)
      .then(setLink, (e: unknown) => notify.error('Cannot change the link', e))
      .finally(() => setLinkBusy(false));
  };

  return (
    <Modal
      opened
      onClose={onClose}
      title={`Handout — ${k.label} (${k.accountName})`}
      size="lg"
      data-testid="handout-dialog"
    >
      <Stack gap="sm">
        <Text size="sm">
          A document written for this partner: where to call and how to trust its certificate, each
          report shared with them with ready cURL and Python requests, the rate limit, paging and
          syncing, what each error means, and how to set up an AI assistant.
        </Text>
        <SegmentedControl
          data={FORMATS}
          value={format}
          onChange={setFormat}
          data-testid="handout-format"
        />
        <Checkbox
          label="Include the key"
          description={
            !k.secretRetained
              ? 'This key was shown once; its secret is not kept, so the handout says how it arrives.'
              : !canReveal
                ? 'Your role cannot show a key’s secret.'
                : 'Only for a private channel: the file then holds the key. Without it, the handout says the key comes separately.'
          }
          checked={includeKey}
          disabled={!k.secretRetained || !canReveal}
          onChange={(e) => setIncludeKey(e.currentTarget.checked)}
          data-testid="handout-include-key"
        />
        <Group justify="flex-end">
          <Button onClick={save} loading={saving} data-testid="handout-save">
            Save handout…
          </Button>
        </Group>

        <Divider label="Link" labelPosition="left" />
        <Switch
          label="Serve the handout at a link"
          description="The link works while the key does, only from the addresses on its whitelist, and never shows the key. Off, it stops working; on again, it is a new link."
          checked={link?.enabled ?? false}
          disabled={!link || linkBusy || !canWrite}
          onChange={(e) => toggleLink(e.currentTarget.checked)}
          data-testid="handout-link-switch"
        />
        {link?.enabled && (
          <>
            {link.urls.length > 1 && (
              <Select
                label="Address the partner reaches"
                data={link.urls}
                value={shownUrl}
                onChange={setUrl}
                allowDeselect={false}
              />
            )}
            <Group gap="xs" wrap="nowrap" align="end">
              <TextInput
                readOnly
                value={shownUrl}
                style={{ flex: 1 }}
                aria-label="Handout link"
                data-testid="handout-link"
              />
              <CopyButton value={shownUrl}>
                {({ copied, copy }) => (
                  <Button variant="light" onClick={copy} data-testid="handout-copy-link">
                    {copied ? 'Copied' : 'Copy link'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </>
        )}
        {link && !link.urls.length && link.enabled && (
          <Alert color="orange" variant="light">
            The listener has no address yet: start it on the Listener page.
          </Alert>
        )}
      </Stack>
    </Modal>
  );
}
