/**
 * Handouts: the document an account manager gives a partner with a key, and the key's handout
 * link. The facts come from the key, its partner, its whitelist and the reports shared with the
 * partner; where the listener answers comes from the caller (the listener knows, the store
 * does not).
 */
import { randomBytes } from 'node:crypto';
import { conflict } from '../../shared/errors.ts';
import type { HandoutFormat, ListenerTls } from '../../shared/admin-contract.ts';
import type { ApiKey } from '../../shared/schemas.ts';
import type { AccountService } from './accounts.ts';
import type { ServiceContext } from './context.ts';
import { handoutBlocks, type HandoutFacts } from './handout/document.ts';
import { HANDOUT_TYPES, handoutHtml, handoutMarkdown, handoutPdf } from './handout/render.ts';
import { whitelistReport } from './ip-rules.ts';
import type { KeyService } from './keys.ts';
import type { ReportService } from './reports.ts';

/** Where partners reach the listener, the certificate it serves there, and its range cap. */
export interface HandoutEndpoints {
  urls: string[];
  tls: Pick<ListenerTls, 'source' | 'caPem' | 'caFingerprint' | 'pin'> | null;
  maxRangeDays: number;
}

export interface HandoutFile {
  filename: string;
  contentType: string;
  body: Buffer;
}

/** The path the listener serves a handout link at. */
export const HANDOUT_PATH = '/handout';

/** A file name a partner's name can safely become. */
function slug(s: string): string {
  return (
    s
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/[\s_]+/g, '-')
      .toLowerCase()
      .slice(0, 40) || 'partner'
  );
}

export function handoutService(
  ctx: ServiceContext,
  deps: { keys: KeyService; accounts: AccountService; reports: ReportService },
) {
  const { sql } = ctx;

  function usableKey(id: number): ApiKey {
    const key = deps.keys.get(id);
    if (key.status === 'revoked' || key.status === 'expired')
      throw conflict(
        `key_${key.status}`,
        `Key ${id} is ${key.status}; a handout is for a key the partner can use. Extend it or issue a new one.`,
      );
    return key;
  }

  function facts(key: ApiKey, endpoints: HandoutEndpoints, secret: string | null): HandoutFacts {
    const account = deps.accounts.get(key.accountId);
    const whitelist = whitelistReport(sql.ipRules.forKey(key.id));
    const ownCa =
      endpoints.tls?.source === 'own-ca' && endpoints.tls.caPem && endpoints.tls.caFingerprint
        ? {
            pem: endpoints.tls.caPem,
            fingerprint: endpoints.tls.caFingerprint,
            pin: endpoints.tls.pin,
          }
        : null;
    return {
      generatedAt: ctx.now(),
      partner: { name: account.name, kind: account.kind, timezone: account.timezone },
      key: {
        id: key.id,
        label: key.label,
        displayPrefix: key.displayPrefix,
        scopes: key.scopes,
        expiresAt: key.expiresAt,
        rateLimit: key.rateLimit,
        allowQueryAuth: key.allowQueryAuth,
        allowMcp: key.allowMcp,
        addresses: whitelist.rules.map((r) => r.text),
        openToEveryAddress: whitelist.openToEveryAddress,
      },
      secret,
      baseUrls: endpoints.urls,
      ownCa,
      reports: deps.reports.sharedWith(account).map((r) => ({
        id: r.definition.id,
        name: r.definition.name,
        description: r.definition.description,
        dataset: r.definition.dataset,
        timezone: r.definition.timezone,
        defaultRange: r.definition.defaultRange,
        parameters: r.parameters,
      })),
      offers: sql.offers.list('active').map((o) => ({ id: o.id, name: o.name })),
      maxRangeDays: endpoints.maxRangeDays,
    };
  }

  return {
    /**
     * The handout for a key, in a format. With `includeKey` the key itself is in it (revealed
     * from its kept copy, and audited as a reveal); otherwise it says how the key arrives.
     */
    async render(
      id: number,
      o: { format: HandoutFormat; includeKey?: boolean; endpoints: HandoutEndpoints },
    ): Promise<HandoutFile> {
      const key = usableKey(id);
      const secret = o.includeKey ? await deps.keys.reveal(id) : null;
      const blocks = handoutBlocks(facts(key, o.endpoints, secret));
      const body =
        o.format === 'pdf'
          ? await handoutPdf(blocks)
          : Buffer.from(o.format === 'md' ? handoutMarkdown(blocks) : handoutHtml(blocks));
      return {
        filename: `partnergate-${slug(key.accountName)}-key-${key.id}.${o.format}`,
        contentType: HANDOUT_TYPES[o.format],
        body,
      };
    },

    /** The key's handout link token, or null while it has none. */
    link(id: number): string | null {
      deps.keys.get(id);
      return sql.handoutLinks.forKey(id)?.token ?? null;
    },

    /**
     * Turns the key's handout link on (a new unguessable token, unless one exists) or off (the
     * old link stops answering; turning it on again makes a new one).
     */
    setLink(id: number, on: boolean): string | null {
      if (on) usableKey(id);
      else deps.keys.get(id);
      return ctx.write(() => {
        const existing = sql.handoutLinks.forKey(id);
        if (!on) {
          if (existing) {
            sql.handoutLinks.remove(id);
            ctx.audit('key.handout_link_off', 'key', id, { link: true }, { link: false });
          }
          return null;
        }
        if (existing) return existing.token;
        const token = randomBytes(24).toString('base64url');
        sql.handoutLinks.insert({ keyId: id, token, createdAt: ctx.now(), createdBy: ctx.actor });
        ctx.audit('key.handout_link_on', 'key', id, { link: false }, { link: true });
        return token;
      });
    },

    /** The key a handout link belongs to, while the link is on (the key is judged by the caller). */
    linkedKey(token: string): number | null {
      if (!/^[\w-]{20,64}$/.test(token)) return null;
      return sql.handoutLinks.byToken(token)?.keyId ?? null;
    },
  };
}

export type HandoutService = ReturnType<typeof handoutService>;
