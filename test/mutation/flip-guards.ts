/**
 * `npm run mutation`: flips one guard at a time in main/services, main/api and shared/ (a check
 * removed, a comparison turned, a total zeroed), runs the tests that should notice, and says
 * which mutations no test noticed. Not part of `npm test` (minutes); run it after changing a
 * guard or its tests. Each mutation's text must still be found, or the script says so.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Mutation {
  name: string;
  file: string;
  find: string;
  replace: string;
  tests: string[];
}

const API = ['test/api/partner-api.test.ts', 'test/api/contract.test.ts'];

const MUTATIONS: Mutation[] = [
  {
    name: 'API probe calls any address',
    file: 'main/services/api-probe.ts',
    find: "return own && target.pathname.startsWith('/api/v1/');",
    replace: 'return true;',
    tests: ['test/admin/dispatch.test.ts'],
  },
  {
    name: 'dashboard error total is zero',
    file: 'main/services/usage.ts',
    find: 'errors: usage.series.reduce((s, p) => s + p.errors, 0),',
    replace: 'errors: 0,',
    tests: ['test/admin/dispatch.test.ts'],
  },
  {
    name: 'expired keys are accepted',
    file: 'main/services/keys.ts',
    find: "if (status === 'expired') return { ok: false, code: 'key_expired' };",
    replace: '',
    tests: API,
  },
  {
    name: 'revoked keys are accepted',
    file: 'main/services/keys.ts',
    find: "if (status === 'revoked') return { ok: false, code: 'key_revoked' };",
    replace: '',
    tests: API,
  },
  {
    name: 'an expiry in the past is accepted',
    file: 'main/services/keys.ts',
    find: 'if (expiresAt <= now) {',
    replace: 'if (false) {',
    tests: ['test/services/keys.test.ts'],
  },
  {
    name: 'a key can be revoked twice',
    file: 'main/services/keys.ts',
    find: "if (k.revokedAt !== null)\n          throw conflict(\n            'key_revoked',\n            `Key ${k.id} is already revoked",
    replace:
      "if (false)\n          throw conflict(\n            'key_revoked',\n            `Key ${k.id} is already revoked",
    tests: ['test/services/keys.test.ts'],
  },
  {
    name: 'show-once secrets are re-shown',
    file: 'main/services/keys.ts',
    find: "      if (ctx.settings.get().keys.secretPolicy === 'show-once') {",
    replace: '      if (false) {',
    tests: ['test/services/keys.test.ts'],
  },
  {
    name: 'bad key checksums pass',
    file: 'shared/key-format.ts',
    find: "return checksumOf(body) === m[2] ? { ok: true } : { ok: false, reason: 'bad_checksum' };",
    replace: 'return { ok: true };',
    tests: ['test/unit/key-format.test.ts', 'test/api/partner-api.test.ts'],
  },
  {
    name: 'an employee with assigned partners sees everyone',
    file: 'main/services/accounts.ts',
    find: "return account.employeeAccess === 'all' ? null : account.assignedPartnerIds;",
    replace: 'return null;',
    tests: ['test/services/reports.test.ts', ...API],
  },
  {
    name: 'a partner sees every partner',
    file: 'main/services/accounts.ts',
    find: "if (account.kind !== 'employee') return [account.id];",
    replace: '',
    tests: ['test/services/reports.test.ts', ...API],
  },
  {
    name: 'whitelist matches any address',
    file: 'main/services/ip-rules.ts',
    find: 'if (!rangeContains(r, bytes)) continue;',
    replace: '',
    tests: ['test/services/whitelist.test.ts', ...API],
  },
  {
    name: 'rate limit lets one more through',
    file: 'main/api/rate-limiter.ts',
    find: 'const allowed = w.count < count;',
    replace: 'const allowed = w.count <= count;',
    tests: ['test/api/partner-api.test.ts'],
  },
  {
    name: 'a partner key may post for another partner',
    file: 'main/services/postbacks.ts',
    find: 'if (p.partner_id !== undefined && p.partner_id !== account.id) {',
    replace: 'if (false) {',
    tests: API,
  },
  {
    name: 'partners receive revenue in row search',
    file: 'main/services/event-search.ts',
    find: 'if (partner && PARTNER_HIDDEN[table].has(k)) continue;',
    replace: '',
    tests: API,
  },
  {
    name: 'network economics are visible to partners',
    file: 'shared/report-catalog.ts',
    find: "(c?.kind === 'metric' && c.partnerHidden) ||",
    replace: 'false ||',
    tests: ['test/services/reports.test.ts', 'test/unit/report-catalog.test.ts', ...API],
  },
  {
    name: 'CSV formula cells are not disarmed',
    file: 'shared/csv.ts',
    find: "return looksLikeFormula(value) ? `'${value}` : value;",
    replace: 'return value;',
    tests: ['test/unit/csv.test.ts', 'test/api/csv-output.test.ts'],
  },
  {
    name: 'CSV leaves lone line breaks unquoted',
    file: 'shared/csv.ts',
    find: 'if (c === 0x22 || c === 0x2c || c === 0x0d || c === 0x0a) return true;',
    replace: 'if (c === 0x22 || c === 0x2c) return true;',
    tests: ['test/unit/csv.test.ts', 'test/api/csv-output.test.ts'],
  },
  {
    name: 'CSV from JSON rows copies a formula unmarked',
    file: 'shared/csv.ts',
    find: "if (formulaStart(first)) out[o++] = 0x27; // '",
    replace: "if (formulaStart(first) && first !== 0x2d) out[o++] = 0x27; // '",
    tests: ['test/unit/csv.test.ts', 'test/services/event-search.test.ts'],
  },
  {
    name: 'CSV from JSON rows leaves a comma unquoted',
    file: 'shared/csv.ts',
    find: '} else if (b === COMMA && kind === TEXT) kind = TEXT_WITH_COMMA;',
    replace: '}',
    tests: ['test/unit/csv.test.ts', 'test/services/event-search.test.ts'],
  },
  {
    name: 'CSV from JSON rows copies trailing whitespace unquoted',
    file: 'shared/csv.ts',
    find: 'if (last <= 0x20 || last === 0x7f || (last > 0x7f && endsWithSpace(json, start, end))) return -1;',
    replace: 'if (last < 0x20 || last === 0x7f) return -1;',
    tests: ['test/unit/csv.test.ts', 'test/services/event-search.test.ts'],
  },
  {
    name: 'CSV from JSON rows copies integers no number holds',
    file: 'shared/csv.ts',
    find: 'const MAX_DIGITS = 15;',
    replace: 'const MAX_DIGITS = 19;',
    tests: ['test/unit/csv.test.ts'],
  },
  {
    name: 'CSV from JSON rows copies a fraction as an integer',
    file: 'shared/csv.ts',
    find: 'if (p > first && p - first <= MAX_DIGITS && (b === COMMA || b === CLOSE))',
    replace: 'if (p > first && p - first <= MAX_DIGITS)',
    tests: ['test/unit/csv.test.ts'],
  },
  {
    name: 'CSV from JSON rows makes room for each value once',
    file: 'shared/csv.ts',
    find: 'this.reserve(o, (p - start) * this.copies + this.fixedRoom);',
    replace: 'this.reserve(o, p - start + this.fixedRoom);',
    tests: ['test/unit/csv.test.ts'],
  },
  {
    name: 'CSV from JSON rows keeps the first row’s currency',
    file: 'shared/csv.ts',
    find: 'if (same) return this.lastUnitText;',
    replace: 'return this.lastUnitText;',
    tests: ['test/unit/csv.test.ts', 'test/services/event-search.test.ts'],
  },
  {
    name: 'money loses its trailing zeros',
    file: 'shared/money.ts',
    find: 'const shown = Number.isInteger(minor) ? digits : digits + 2;',
    replace: 'const shown = 0;',
    tests: ['test/unit/parsing.test.ts', 'test/api/csv-output.test.ts'],
  },
  {
    name: 'negative amounts are accepted',
    file: 'shared/money.ts',
    find: "if (t.startsWith('-'))",
    replace: 'if (false)',
    tests: ['test/unit/parsing.test.ts', 'test/services/imports.test.ts'],
  },
  {
    name: 'all-or-nothing imports commit with rejected rows',
    file: 'main/services/imports.ts',
    find: "if (rejects.count === 0 || mode === 'skip-invalid') {",
    replace: 'if (true) {',
    tests: ['test/services/imports.test.ts'],
  },
  {
    name: 'long ranges are allowed',
    file: 'main/services/report-time.ts',
    find: 'if (span > maxDays) {',
    replace: 'if (false) {',
    tests: ['test/services/reports.test.ts', ...API],
  },
  {
    name: 'the scan budget is not enforced',
    file: 'main/services/scan-budget.ts',
    find: 'if (rows > max) {',
    replace: 'if (false) {',
    tests: ['test/services/reports.test.ts', ...API],
  },
  {
    name: 'a report is run by accounts it is not shared with',
    file: 'main/services/reports.ts',
    find: "return d.audience.kind === 'all' || d.audience.accountIds.includes(account.id);",
    replace: 'return true;',
    tests: ['test/services/reports.test.ts', 'test/admin/dispatch.test.ts', ...API],
  },
  {
    name: 'doctor misses rollup differences',
    file: 'main/db/rollups.ts',
    find: 'rows: db.prepare(mismatchSql(target, perPartner)).pluck().get() as number,',
    replace: 'rows: 0,',
    tests: ['test/cli/environment.test.ts'],
  },
  {
    name: 'valid keys are throttled with the failures',
    file: 'main/api/server.ts',
    find: "if (code === 'invalid_api_key' || code === 'missing_api_key') {",
    replace: 'if (true) {',
    tests: ['test/api/partner-api.test.ts'],
  },
  {
    name: 'failed keys are not throttled overall',
    file: 'main/api/server.ts',
    find: 'const over = !mine.allowed ? mine : !everyone.allowed ? everyone : null;',
    replace: 'const over = !mine.allowed ? mine : null;',
    tests: ['test/api/partner-api.test.ts'],
  },
  {
    name: 'a postback to another partner’s transaction id updates theirs',
    file: 'main/db/events.ts',
    find: "conversions: ['partner_id', 'transaction_id'],",
    replace: "conversions: ['transaction_id'],",
    tests: ['test/api/partner-api.test.ts', 'test/services/imports.test.ts'],
  },
];

const only = process.argv[2];
const survivors: string[] = [];
let killed = 0;
for (const m of MUTATIONS.filter((x) => !only || x.name.includes(only))) {
  const path = `${root}/${m.file}`;
  const original = readFileSync(path, 'utf8');
  if (!original.includes(m.find)) {
    console.log(`? ${m.name}: its text is no longer in ${m.file}; update the mutation`);
    survivors.push(`${m.name} (not applied)`);
    continue;
  }
  writeFileSync(path, original.replace(m.find, m.replace));
  try {
    const r = spawnSync(
      process.execPath,
      [
        `${root}/node_modules/vitest/vitest.mjs`,
        'run',
        '--config',
        'test/vitest.config.ts',
        ...m.tests,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
    );
    const summary = /(\d+) passed, (\d+) failed/.exec(r.stdout)?.[0] ?? `exit ${r.status}`;
    if (r.status !== 0) {
      killed++;
      console.log(`killed    ${m.name} (${summary})`);
    } else {
      survivors.push(m.name);
      console.log(`SURVIVED  ${m.name} (${summary})`);
    }
  } finally {
    writeFileSync(path, original);
  }
}
console.log(
  `\n${killed} killed, ${survivors.length} survived${survivors.length ? `: ${survivors.join('; ')}` : ''}`,
);
process.exitCode = survivors.length ? 1 : 0;
