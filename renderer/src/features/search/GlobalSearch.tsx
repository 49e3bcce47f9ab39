import { Badge, Group, Kbd, Modal, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { IconSearch } from '@tabler/icons-react';
import { notify } from '../../lib/notify.ts';
import { useRouter } from '../../lib/router.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { useKeys } from '../../stores/keys.ts';
import { useReportList } from '../../stores/reports.ts';
import { findAll, type Found } from './find.ts';

const mac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

/** Typing in a field: "/" is a character there, not the search shortcut. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

/**
 * One search over partners, keys and reports, from the top bar or the keyboard (Ctrl+K, or "/"
 * outside a field): arrows move, Enter opens, Escape closes.
 */
export function GlobalSearch() {
  const [opened, setOpened] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const accounts = useAccounts((s) => s.accounts);
  const keys = useKeys((s) => s.keys);
  const reports = useReportList((s) => s.reports);
  const go = useRouter((s) => s.go);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if ((mod && e.key.toLowerCase() === 'k') || (e.key === '/' && !mod && !typing(e.target))) {
        e.preventDefault();
        setOpened(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (!opened) return;
    // Everything searchable, fresh each time the search opens.
    Promise.all([
      useAccounts.getState().load(),
      useKeys.getState().loadAll(),
      useReportList.getState().load(),
    ]).catch((e: unknown) => notify.error('Search could not load everything', e));
  }, [opened]);

  const found = useMemo(
    () => findAll(query, { accounts, keys, reports }),
    [query, accounts, keys, reports],
  );
  const close = () => (setOpened(false), setQuery(''), setActive(0));
  const open = (f: Found) => {
    close();
    go(f.page, f.pageId);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = found.length;
      if (n) setActive((active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if (e.key === 'Enter' && found[active]) {
      e.preventDefault();
      open(found[active]);
    }
  };

  return (
    <>
      <UnstyledButton
        onClick={() => setOpened(true)}
        aria-label="Search partners, keys and reports"
        data-testid="global-search-open"
        style={{
          border: '1px solid var(--mantine-color-default-border)',
          borderRadius: 'var(--mantine-radius-sm)',
          padding: '4px 10px',
          minWidth: 260,
        }}
      >
        <Group gap="xs" justify="space-between" wrap="nowrap">
          <Group gap={6} wrap="nowrap">
            <IconSearch size={14} />
            <Text size="sm" c="dimmed">
              Search partners, keys, reports
            </Text>
          </Group>
          <Kbd size="xs">{mac ? '⌘' : 'Ctrl'} K</Kbd>
        </Group>
      </UnstyledButton>
      <Modal
        opened={opened}
        onClose={close}
        withCloseButton={false}
        size="lg"
        yOffset="10vh"
        // Instant, so what is typed right after the shortcut lands in the field.
        transitionProps={{ duration: 0 }}
        aria-label="Search"
      >
        <TextInput
          data-autofocus
          placeholder="Partner name or email, key label or prefix, report name"
          leftSection={<IconSearch size={16} />}
          value={query}
          onChange={(e) => (setQuery(e.currentTarget.value), setActive(0))}
          onKeyDown={onKeyDown}
          maxLength={200}
          role="combobox"
          aria-expanded={found.length > 0}
          aria-controls="global-search-results"
          aria-activedescendant={found[active] ? `found-${active}` : undefined}
          data-testid="global-search-input"
        />
        <Stack gap={2} mt="sm" id="global-search-results" role="listbox">
          {query.trim() && found.length === 0 && (
            <Text size="sm" c="dimmed" p="xs" data-testid="global-search-empty">
              Nothing found for “{query.trim()}”.
            </Text>
          )}
          {found.map((f, i) => (
            <UnstyledButton
              key={`${f.kind}-${f.id}`}
              id={`found-${i}`}
              role="option"
              aria-selected={i === active}
              onMouseEnter={() => setActive(i)}
              onClick={() => open(f)}
              p="xs"
              style={{
                borderRadius: 'var(--mantine-radius-sm)',
                background: i === active ? 'var(--mantine-primary-color-light)' : undefined,
              }}
              data-testid={`found-${f.kind}-${f.id}`}
            >
              <Group gap="sm" wrap="nowrap">
                <Badge size="sm" variant="light" w={80} styles={{ label: { overflow: 'visible' } }}>
                  {f.label}
                </Badge>
                <div style={{ minWidth: 0 }}>
                  <Text size="sm" fw={500} truncate>
                    {f.title}
                  </Text>
                  <Text size="xs" c="dimmed" truncate>
                    {f.detail}
                  </Text>
                </div>
              </Group>
            </UnstyledButton>
          ))}
        </Stack>
        <Text size="xs" c="dimmed" mt="sm">
          <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> to move, <Kbd size="xs">Enter</Kbd> to open,{' '}
          <Kbd size="xs">Esc</Kbd> to close. Open this from anywhere with{' '}
          <Kbd size="xs">{mac ? '⌘' : 'Ctrl'} K</Kbd> or <Kbd size="xs">/</Kbd>.
        </Text>
      </Modal>
    </>
  );
}
