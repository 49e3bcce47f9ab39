import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// Each test starts the CLI as child processes; on a loaded two-core machine that takes a while.
vi.setConfig({ testTimeout: 120_000 });
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { spawnSync } from 'node:child_process';
import { tempDir } from '../helpers.ts';
import { cli, pg } from './run-cli.ts';

describe('partnergate CLI', () => {
  it('does the whole account-manager flow on a fresh data dir, with --json output', async () => {
    const dir = tempDir();
    const partner = await cli(dir, [
      'partner',
      'add',
      '--name',
      'Acme Media',
      '--kind',
      'affiliate',
      '--email',
      'ops@acme.example',
      '--json',
    ]);
    expect(partner.code).toBe(0);
    expect(partner.json()).toMatchObject({ id: 1, kind: 'affiliate', name: 'Acme Media' });
    expect(
      (
        await cli(dir, ['offer', 'add', '--name', 'VPN Shield', '--payout', '12.50', '--json'])
      ).json(),
    ).toMatchObject({ defaultPayout: 1250 });

    const issued = await cli(dir, [
      'key',
      'issue',
      '--partner',
      '1',
      '--label',
      'BI warehouse',
      '--scopes',
      'reports:read,conversions:read',
      '--expires-in',
      '90d',
      '--rate-limit',
      '100/min',
      '--json',
    ]);
    expect(issued.code).toBe(0);
    const key = issued.json<{
      id: number;
      secret: string;
      displayPrefix: string;
      rateLimit: unknown;
      scopes: string[];
    }>();
    expect(key.secret).toMatch(/^pgk_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}$/);
    expect(key).toMatchObject({
      scopes: ['reports:read', 'conversions:read'],
      rateLimit: { count: 100, windowMs: 60_000 },
    });

    // The secret is printed once: listing and showing never print it again.
    expect((await cli(dir, ['key', 'list'])).stdout).not.toContain(key.secret);
    expect((await cli(dir, ['key', 'show', String(key.id), '--json'])).stdout).not.toContain(
      key.secret,
    );
    expect((await cli(dir, ['key', 'reveal', String(key.id)])).stdout.trim()).toBe(key.secret);

    expect(
      (
        await cli(dir, [
          'whitelist',
          'add',
          '--key',
          '1',
          '--from',
          '10.0.0.1',
          '--to',
          '10.0.0.255',
        ])
      ).code,
    ).toBe(0);
    expect(
      (await cli(dir, ['whitelist', 'add', '--key', '1', '--cidr', '2001:db8::/32'])).code,
    ).toBe(0);
    const allowed = await cli(dir, [
      'whitelist',
      'test',
      '--key',
      '1',
      '--ip',
      '::ffff:10.0.0.7',
      '--json',
    ]);
    expect(allowed.code).toBe(0);
    expect(allowed.json()).toMatchObject({ allowed: true, rule: { text: '10.0.0.1-10.0.0.255' } });
    const refused = await cli(dir, ['whitelist', 'test', '--key', '1', '--ip', '192.0.2.1']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^REFUSED/);

    // The export names the partner and lists permissions and rules, through the CSV writer.
    const exported = parse((await cli(dir, ['key', 'export'])).stdout, { columns: true });
    expect(exported).toEqual([
      expect.objectContaining({
        id: '1',
        partner: 'Acme Media',
        scopes: 'reports:read conversions:read',
        whitelist: '10.0.0.1-10.0.0.255 2001:db8::/32',
        rate_limit: '100/min',
      }),
    ]);
    expect(
      (await cli(dir, ['key', 'export', '--partner', '1', '--json'])).json<
        { whitelist: string[] }[]
      >()[0]!.whitelist,
    ).toEqual(['10.0.0.1-10.0.0.255', '2001:db8::/32']);

    const list = (await cli(dir, ['whitelist', 'list', '--key', '1', '--json'])).json<{
      rules: { id: number }[];
    }>();
    expect(list.rules).toHaveLength(2);
    expect((await cli(dir, ['whitelist', 'remove', String(list.rules[1]!.id)])).code).toBe(0);

    const rotated = (await cli(dir, ['key', 'rotate', '1', '--grace', '24h', '--json'])).json<{
      id: number;
      secret: string;
    }>();
    expect(rotated.secret).not.toBe(key.secret);
    expect(
      (await cli(dir, ['key', 'revoke', String(rotated.id), '--reason', 'partner left'])).code,
    ).toBe(0);

    const report = await cli(dir, [
      'report',
      'create',
      '--name',
      'Daily',
      '--dataset',
      'performance',
      '--columns',
      'day,offer,clicks,conversions,payout',
      '--params',
      'country',
      '--json',
    ]);
    expect(report.code).toBe(0);
    const run = await cli(dir, [
      'report',
      'run',
      '1',
      '--as',
      '1',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-07',
      '--format',
      'csv',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\r\n')[0]).toBe('day,offer,clicks,conversions,payout,currency');

    const audit = (await cli(dir, ['audit', '--json'])).json<{ action: string }[]>();
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'account.create',
        'key.issue',
        'key.rotate',
        'key.revoke',
        'whitelist.add',
        'whitelist.remove',
        'report.create',
      ]),
    );
    // Nothing secret anywhere in the store.
    const bytes = readFileSync(join(dir, 'partnergate.sqlite'));
    for (const s of [key.secret, rotated.secret])
      expect(bytes.includes(Buffer.from(s))).toBe(false);
  });

  it('answers bad input with a specific message and exit code, and changes nothing', async () => {
    const dir = tempDir();
    await cli(dir, ['partner', 'add', '--name', 'Acme']);
    await cli(dir, ['key', 'issue', '--partner', '1', '--label', 'x', '--scopes', 'reports:read']);
    const cases: [string[], number, RegExp][] = [
      [
        ['whitelist', 'add', '--key', '1', '--ip', '10.0.0.300'],
        2,
        /"10\.0\.0\.300" is not an IPv4 or IPv6 address/,
      ],
      [
        ['whitelist', 'add', '--key', '1', '--from', '10.0.0.9', '--to', '10.0.0.1'],
        2,
        /ends \(10\.0\.0\.1\) before it starts \(10\.0\.0\.9\)/,
      ],
      [
        ['whitelist', 'add', '--key', '1', '--from', '10.0.0.1', '--to', '::1'],
        2,
        /all IPv4 or all IPv6/,
      ],
      [
        ['whitelist', 'add', '--key', '1', '--ip', '10.0.0.1', '--cidr', '10.0.0.0/8'],
        2,
        /exactly one of/,
      ],
      [
        ['key', 'issue', '--partner', '1', '--label', 'y', '--scopes', 'reports:read,admin:all'],
        2,
        /Unknown scope "admin:all"/,
      ],
      [
        [
          'key',
          'issue',
          '--partner',
          '1',
          '--label',
          'y',
          '--scopes',
          'reports:read',
          '--expires-at',
          '2020-01-01',
        ],
        2,
        /is in the past/,
      ],
      [
        [
          'key',
          'issue',
          '--partner',
          '1',
          '--label',
          'y',
          '--scopes',
          'reports:read',
          '--rate-limit',
          'lots',
        ],
        2,
        /"lots" is not a rate/,
      ],
      [
        ['key', 'issue', '--partner', '9', '--label', 'y', '--scopes', 'reports:read'],
        1,
        /No account with id 9/,
      ],
      [['key', 'extend', '1'], 2, /give the new expiry/],
      [
        [
          'report',
          'create',
          '--name',
          'r',
          '--dataset',
          'clicks',
          '--columns',
          'day,clicks,payout',
        ],
        2,
        /payout is not a column of the clicks dataset/,
      ],
      [
        ['report', 'create', '--name', 'r', '--dataset', 'performance', '--columns', 'day,revenue'],
        2,
        /network data that partner accounts may not see/,
      ],
      [['partner', 'add'], 2, /required option '--name <name>' not specified/],
      [['nonsense'], 2, /unknown command 'nonsense'/],
      [['partner', 'show', 'abc'], 2, /"abc" is not an id/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(dir, args);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect((await cli(dir, ['key', 'list', '--json'])).json<unknown[]>()).toHaveLength(1);
    expect(
      (await cli(dir, ['whitelist', 'list', '--key', '1', '--json'])).json<{ rules: unknown[] }>()
        .rules,
    ).toHaveLength(0);

    await cli(dir, ['key', 'revoke', '1', '--reason', 'leaked']);
    const ext = await cli(dir, ['key', 'extend', '1', '--expires-in', '30d', '--json']);
    expect(ext.code).toBe(1);
    expect(JSON.parse(ext.stderr)).toMatchObject({ error: { code: 'key_revoked' } });
    expect((await cli(dir, ['key', 'rotate', '1'])).stderr).toMatch(/was revoked/);
  });

  it('refuses a database that is not Partnergate’s, or newer, and leaves it untouched', async () => {
    const notDb = tempDir();
    writeFileSync(
      join(notDb, 'partnergate.sqlite'),
      'this is not a database at all, just some text '.repeat(50),
    );
    const r1 = await cli(notDb, ['partner', 'list']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/is not a Partnergate database/);

    const foreign = tempDir();
    const db = new Database(join(foreign, 'partnergate.sqlite'));
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.close();
    expect((await cli(foreign, ['partner', 'list'])).stderr).toMatch(/another application/);

    const newer = tempDir();
    await cli(newer, ['partner', 'add', '--name', 'A']);
    const n = new Database(join(newer, 'partnergate.sqlite'));
    n.prepare(`INSERT INTO schema_migrations VALUES (50, '050_future', 'x', 0)`).run();
    n.close();
    const r3 = await cli(newer, ['partner', 'list']);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/written by a newer Partnergate \(schema version 50/);
  });

  it('says so when the data directory cannot be written', async () => {
    const parent = tempDir();
    const file = join(parent, 'file');
    writeFileSync(file, '');
    chmodSync(file, 0o400);
    const r = await cli(join(file, 'data'), ['partner', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Cannot create the data directory .*--data-dir or PARTNERGATE_DATA_DIR/,
    );
  });

  it('edits a key after issue: label, permissions, rate limit, URL keys; audited', async () => {
    const dir = tempDir();
    await cli(dir, ['partner', 'add', '--name', 'Acme']);
    await cli(dir, ['key', 'issue', '--partner', '1', '--label', 'x', '--scopes', 'reports:read']);
    const u = await cli(dir, [
      'key',
      'update',
      '1',
      '--label',
      'BI warehouse',
      '--scopes',
      'reports:read,stats:read',
      '--rate-limit',
      '10/s',
      '--query-auth',
      '--json',
    ]);
    expect(u.code, u.stderr).toBe(0);
    expect(u.json()).toMatchObject({
      label: 'BI warehouse',
      scopes: ['reports:read', 'stats:read'],
      rateLimit: { count: 10, windowMs: 1000 },
      allowQueryAuth: true,
    });
    expect(
      (await cli(dir, ['key', 'update', '1', '--no-query-auth', '--json'])).json(),
    ).toMatchObject({
      allowQueryAuth: false,
    });
    expect((await cli(dir, ['key', 'update', '1'])).code).toBe(2);
    const bad = await cli(dir, ['key', 'update', '1', '--scopes', 'reports:write']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/reports:write/);
    const audit = (await cli(dir, ['audit', '--json'])).json<{ action: string }[]>();
    expect(audit.filter((e) => e.action === 'key.update')).toHaveLength(2);

    // New keys follow the AI-assistant default the settings hold.
    const off = await cli(dir, ['settings', 'set', 'mcp-by-default', 'off']);
    expect(off.stdout).toMatch(/mcp-by-default +off/);
    const later = await cli(dir, [
      'key',
      'issue',
      '--partner',
      '1',
      '--label',
      'y',
      '--scopes',
      'reports:read',
      '--json',
    ]);
    expect(later.json()).toMatchObject({ allowMcp: false });
    expect((await cli(dir, ['settings', 'set', 'mcp-by-default', 'maybe'])).stderr).toMatch(
      /mcp-by-default is on .* or off/,
    );
  });

  it('imports a later export with --upsert: changed statuses update, the rest is counted', async () => {
    const dir = tempDir();
    await cli(dir, ['partner', 'add', '--name', 'Acme', '--kind', 'affiliate']);
    await cli(dir, ['offer', 'add', '--name', 'VPN', '--payout', '10']);
    const file = join(dir, 'c.csv');
    const head = 'transaction_id,time,partner_id,offer_id,status,payout';
    writeFileSync(
      file,
      `${head}\nt1,2026-11-20T10:00:00Z,1,1,pending,10\nt2,2026-11-20T11:00:00Z,1,1,pending,10\n`,
    );
    expect((await cli(dir, ['import', 'conversions', file])).code).toBe(0);
    writeFileSync(
      file,
      `${head}\nt1,2026-11-20T10:00:00Z,1,1,approved,12\nt2,2026-11-20T11:00:00Z,1,1,pending,10\n`,
    );
    const plain = await cli(dir, ['import', 'conversions', file]);
    expect(plain.code).toBe(1);
    const up = await cli(dir, ['import', 'conversions', file, '--upsert']);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('Imported 2 conversions (0 new, 1 updated, 1 unchanged).');
  });

  it('updates an offer: name, payout in its currency, status', async () => {
    const dir = tempDir();
    await cli(dir, ['offer', 'add', '--name', 'Forex', '--payout', '30', '--currency', 'EUR']);
    const u = await cli(dir, [
      'offer',
      'update',
      '1',
      '--payout',
      '42.50',
      '--status',
      'paused',
      '--json',
    ]);
    expect(u.code, u.stderr).toBe(0);
    expect(u.json()).toMatchObject({
      name: 'Forex',
      defaultPayout: 4250,
      currency: 'EUR',
      status: 'paused',
    });
    const bad = await cli(dir, ['offer', 'update', '1', '--payout', '1.234']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/more decimals than EUR/);
    expect((await cli(dir, ['offer', 'update', '9', '--name', 'x'])).code).toBe(1);
  });

  it('as a real process: exit codes 0, 1 and 2, results on stdout, errors on stderr', () => {
    const dir = tempDir();
    const added = pg(dir, ['partner', 'add', '--name', 'Proc', '--json']);
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({ name: 'Proc' });
    expect(added.stderr).toBe('');
    const missing = pg(dir, ['key', 'show', '42', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'key_not_found' } });
    const usage = pg(dir, ['partner', 'add', '--name', 'x', '--nmae', 'y']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown option '--nmae'/);
    expect(pg(dir, ['--help']).stdout).toMatch(/Usage: partnergate/);
  });

  it('lists every command in help and suggests the nearest to a mistyped one', () => {
    const dir = tempDir();
    const help = pg(dir, ['--help']).stdout;
    for (const command of ['partner', 'offer', 'key', 'whitelist', 'report', 'import', 'demo-data'])
      expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    for (const command of ['audit', 'source', 'user', 'settings', 'serve', 'doctor', 'call'])
      expect(help).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const top = pg(dir, ['--data-dir', dir, 'reprot', 'list']);
    expect(top.code).toBe(2);
    expect(top.stderr).toMatch(/unknown command 'reprot'[\s\S]*Did you mean report\?/);
    const sub = pg(dir, ['key', 'isue']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toMatch(/unknown command 'isue'[\s\S]*Did you mean issue\?/);
    expect(pg(dir, ['key', '--help']).stdout).toMatch(/^ {2}issue\b/m);
  });

  it('uses PARTNERGATE_DATA_DIR when no --data-dir is given', () => {
    const dir = tempDir();
    const r = pg(dir, ['partner', 'add', '--name', 'Env Partner']);
    expect(r.code).toBe(0);
    const viaEnv = pg(tempDir(), ['partner', 'list', '--json'], {});
    expect(viaEnv.json<unknown[]>()).toHaveLength(0);
    const out = spawnSync(
      process.execPath,
      [new URL('../../main/cli/bin.ts', import.meta.url).pathname, 'partner', 'list', '--json'],
      {
        encoding: 'utf8',
        env: { ...process.env, PARTNERGATE_DATA_DIR: dir },
      },
    );
    expect(JSON.parse(out.stdout)).toMatchObject([{ name: 'Env Partner' }]);
  });

  it('fills an empty store with demo data, deterministic for a seed, and refuses a non-empty one', async () => {
    const a = tempDir();
    const b = tempDir();
    const s1 = await cli(a, ['demo-data', '--scale', 'small', '--seed', '42', '--json']);
    const s2 = await cli(b, ['demo-data', '--scale', 'small', '--seed', '42', '--json']);
    expect(s1.code).toBe(0);
    const j1 = s1.json<Record<string, number>>();
    expect(j1).toEqual(s2.json());
    expect(j1.clicks! + j1.conversions! + j1.leads!).toBeGreaterThan(15_000);
    const fingerprint = (dir: string) => {
      const db = new Database(join(dir, 'partnergate.sqlite'), { readonly: true });
      const f = db
        .prepare(`SELECT count(*) AS n, sum(payout) AS p, sum(ts % 1000003) AS t FROM conversions`)
        .get();
      db.close();
      return f;
    };
    expect(fingerprint(a)).toEqual(fingerprint(b));
    const again = await cli(a, ['demo-data']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/empty store only/);
  });
});

describe('importing a large CSV', () => {
  it('streams 1,000,000 rows in bounded memory, and the rejects file accounts for every rejected row', () => {
    const dir = tempDir();
    pg(dir, ['partner', 'add', '--name', 'Acme']);
    pg(dir, ['offer', 'add', '--name', 'VPN', '--payout', '1']);
    const file = join(tempDir(), 'clicks.csv');
    const rows = 1_000_000;
    const bad = new Set([2, 333_333, 500_000, 999_999]); // data rows with an unknown partner
    const chunks: string[] = ['time,partner_id,offer_id,sub1,country,device,click_id\n'];
    const base = Date.UTC(2026, 9, 1);
    for (let i = 1; i <= rows; i++) {
      chunks.push(
        `${new Date(base + i * 1000).toISOString()},${bad.has(i) ? 9 : 1},1,sub_${i % 97},DE,mobile,click-${i}\n`,
      );
    }
    writeFileSync(file, chunks.join(''));
    // A 48 MB heap cannot hold the ~70 MB file: this only passes if the import streams.
    const r = pg(dir, ['import', 'clicks', file, '--mode', 'skip-invalid', '--json'], {
      nodeArgs: ['--max-old-space-size=48'],
      timeout: 240_000,
    });
    expect(r.stderr).not.toMatch(/heap out of memory/);
    const result = r.json<{
      rowsRead: number;
      imported: number;
      rejected: number;
      rejectsFile: string;
    }>();
    expect(result).toMatchObject({ rowsRead: rows, imported: rows - bad.size, rejected: bad.size });
    expect(r.code).toBe(1); // rows were rejected
    const rejectLines = readFileSync(result.rejectsFile, 'utf8').trim().split('\n');
    expect(rejectLines).toHaveLength(bad.size + 1);
    expect(rejectLines.slice(1).map((l) => Number(l.split(',')[0]) - 1)).toEqual([...bad]);
    expect(
      pg(dir, [
        'report',
        'create',
        '--name',
        'n',
        '--dataset',
        'clicks',
        '--columns',
        'clicks',
        '--json',
      ]).code,
    ).toBe(0);
    const total = pg(dir, [
      'report',
      'run',
      '1',
      '--as',
      '1',
      '--from',
      '2026-10-01',
      '--to',
      '2026-10-31',
      '--json',
    ]).json<{ totals: { clicks: number }[] }>();
    expect(total.totals[0]!.clicks).toBe(rows - bad.size);
  }, 300_000);
});
