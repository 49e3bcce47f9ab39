/**
 * HTTPS for the listeners. On first use Partnergate makes its own certificate authority, kept in
 * the data dir (`tls/`), and a server certificate it signs for this machine's addresses and host
 * names; the server certificate is renewed 30 days before it expires and whenever an address or
 * name it must cover is missing, always with the same key pair, so a partner's
 * `--pinnedpubkey` keeps working. Private keys are written 0600 and, where the core keeps
 * secrets sealed (the desktop's safeStorage, the headless master key), sealed too. An operator
 * may give their own certificate and key (PEM) instead.
 */
import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type Forge from 'node-forge';
import { createRequire } from 'node:module';
import { PartnergateError } from '../../shared/errors.ts';
import type { ListenerTls } from '../../shared/admin-contract.ts';
import type { SecretBox } from './secret-box.ts';

/** node-forge, loaded when a certificate is first made (most runs only read one). */
let forgeModule: typeof Forge | undefined;
const forgeLib = () =>
  (forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof Forge);

const DAY = 86_400_000;
/** The CA lives ten years; server certificates 397 days (what browsers accept), renewed at 30 left. */
const CA_DAYS = 3650;
const SERVER_DAYS = 397;
const RENEW_BEFORE_DAYS = 30;

/** The certificate to serve, its private key, and how partners trust it. */
export interface TlsMaterial extends ListenerTls {
  key: string;
  cert: string;
}

/** The host names and addresses of this machine a server certificate should cover. */
export function machineNames(extra: readonly string[] = [], interfaces = networkInterfaces()) {
  const names = new Set<string>(['localhost', '127.0.0.1', '::1']);
  const host = hostname();
  if (host) {
    names.add(host.toLowerCase());
    if (!host.includes('.')) names.add(`${host.toLowerCase()}.local`);
  }
  for (const list of Object.values(interfaces))
    for (const i of list ?? []) if (!/^fe80/i.test(i.address)) names.add(i.address);
  for (const e of extra) if (e && e !== '0.0.0.0' && e !== '::') names.add(e.toLowerCase());
  return [...names];
}

const colonHex = (b: Buffer) =>
  b
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');

/** `sha256//<base64 of the SHA-256 of the SubjectPublicKeyInfo>`, as curl and Chromium pin. */
export function publicKeyPin(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${createHash('sha256').update(spki).digest('base64')}`;
}

export function certificateFingerprint(certPem: string): string {
  return colonHex(createHash('sha256').update(new X509Certificate(certPem).raw).digest());
}

/** The names a certificate's subjectAltName lists (IPv6 as Node writes them, normalised). */
export function sansOf(cert: X509Certificate): Set<string> {
  const out = new Set<string>();
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    const [kind, value] = part.split(/:(.*)/s) as [string, string | undefined];
    if (!value) continue;
    if (kind === 'DNS') out.add(value.toLowerCase());
    if (kind === 'IP Address') out.add(normaliseIp(value));
  }
  return out;
}

function normaliseIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  // Node's X509Certificate writes IPv6 long-hand; compare in one form.
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

function newRsaKey(): { privatePem: string; publicPem: string } {
  const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: k.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

const serial = () =>
  forgeLib()
    .util.bytesToHex(forgeLib().random.getBytesSync(16))
    .replace(/^[89a-f]/, '1');

function publicPemOf(privatePem: string): string {
  const pk = forgeLib().pki.privateKeyFromPem(privatePem);
  return forgeLib().pki.publicKeyToPem(forgeLib().pki.setRsaPublicKey(pk.n, pk.e));
}

function makeCa(now: number, label: string): { certPem: string; keyPem: string } {
  const k = newRsaKey();
  const cert = forgeLib().pki.createCertificate();
  cert.publicKey = forgeLib().pki.publicKeyFromPem(k.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now - DAY);
  cert.validity.notAfter = new Date(now + CA_DAYS * DAY);
  const name = [
    { name: 'commonName', value: `Partnergate local CA (${label})` },
    { name: 'organizationName', value: 'Partnergate' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forgeLib().pki.privateKeyFromPem(k.privatePem), forgeLib().md.sha256.create());
  return { certPem: forgeLib().pki.certificateToPem(cert), keyPem: k.privatePem };
}

function makeServerCert(
  ca: { certPem: string; keyPem: string },
  keyPem: string,
  names: readonly string[],
  now: number,
): string {
  const caCert = forgeLib().pki.certificateFromPem(ca.certPem);
  const cert = forgeLib().pki.createCertificate();
  cert.publicKey = forgeLib().pki.publicKeyFromPem(publicPemOf(keyPem));
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now - DAY);
  cert.validity.notAfter = new Date(now + SERVER_DAYS * DAY);
  const dns = names.filter((n) => !isIP(n));
  cert.setSubject([{ name: 'commonName', value: dns.find((n) => n !== 'localhost') ?? names[0]! }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  cert.sign(forgeLib().pki.privateKeyFromPem(ca.keyPem), forgeLib().md.sha256.create());
  return forgeLib().pki.certificateToPem(cert);
}

export interface TlsServiceOptions {
  dataDir: string;
  /** Seals the private keys at rest where it can keep secrets. */
  secretBox?: SecretBox;
  now?: () => number;
}

export function tlsService(o: TlsServiceOptions) {
  const dir = join(o.dataDir, 'tls');
  const now = o.now ?? Date.now;
  const file = (name: string) => join(dir, name);

  const readText = (name: string) =>
    existsSync(file(name)) ? readFileSync(file(name), 'utf8') : null;
  const write = (name: string, text: string, secret = false) => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file(name)}.tmp`;
    writeFileSync(tmp, text, { mode: secret ? 0o600 : 0o644 });
    renameSync(tmp, file(name));
  };

  /** A private key: sealed (`NAME.sealed`) where the secret box keeps secrets, else 0600 PEM. */
  async function readKey(name: string): Promise<string | null> {
    if (existsSync(file(`${name}.sealed`)) && o.secretBox) {
      const sealed = Buffer.from(readFileSync(file(`${name}.sealed`), 'utf8'), 'base64');
      return o.secretBox.open(sealed);
    }
    return readText(name);
  }
  async function writeKey(name: string, pem: string): Promise<void> {
    if (o.secretBox && (await o.secretBox.describe()).retains) {
      write(`${name}.sealed`, (await o.secretBox.seal(pem)).toString('base64'), true);
    } else write(name, pem, true);
  }

  async function ownCa(): Promise<{ certPem: string; keyPem: string }> {
    const certPem = readText('ca.crt');
    const keyPem = await readKey('ca.key');
    if (certPem && keyPem) return { certPem, keyPem };
    const ca = makeCa(now(), hostname() || 'this machine');
    await writeKey('ca.key', ca.keyPem);
    write('ca.crt', ca.certPem);
    return ca;
  }

  return {
    dir,
    caFile: file('ca.crt'),

    /**
     * The certificate and key to serve with. `names` are what it must cover (this machine's
     * names and addresses by default); a missing one, or expiry within 30 days, renews it.
     */
    async material(
      o2: { names?: readonly string[]; operator?: { certFile: string; keyFile: string } } = {},
    ): Promise<TlsMaterial> {
      if (o2.operator) return operatorMaterial(o2.operator.certFile, o2.operator.keyFile);
      const ca = await ownCa();
      const want = [...new Set((o2.names ?? machineNames()).map(normaliseIp))];
      let keyPem = await readKey('server.key');
      if (!keyPem) {
        keyPem = newRsaKey().privatePem;
        await writeKey('server.key', keyPem);
      }
      let certPem = readText('server.crt');
      const current = certPem ? new X509Certificate(certPem) : null;
      const stale =
        !current ||
        Date.parse(current.validTo) - now() < RENEW_BEFORE_DAYS * DAY ||
        !current.verify(new X509Certificate(ca.certPem).publicKey) ||
        want.some((n) => !sansOf(current).has(n));
      if (stale) {
        const covered = current ? [...sansOf(current)] : [];
        certPem = makeServerCert(ca, keyPem, [...new Set([...want, ...covered])], now());
        write('server.crt', certPem);
      }
      const cert = new X509Certificate(certPem!);
      return {
        key: keyPem,
        cert: certPem!,
        source: 'own-ca',
        caPem: ca.certPem,
        caFingerprint: certificateFingerprint(ca.certPem),
        pin: publicKeyPin(certPem!),
        names: [...sansOf(cert)],
        notAfter: Date.parse(cert.validTo),
      };
    },
  };
}

/** An operator's certificate and key (PEM files), checked to belong together. */
function operatorMaterial(certFile: string, keyFile: string): TlsMaterial {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(certFile, 'utf8');
    key = readFileSync(keyFile, 'utf8');
  } catch (e) {
    throw new PartnergateError(
      'environment',
      'tls_file_unreadable',
      `The TLS certificate or key cannot be read (${(e as Error).message}); give PEM files this user can read.`,
    );
  }
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch {
    throw new PartnergateError(
      'environment',
      'tls_cert_invalid',
      `${certFile} is not a PEM certificate (it should start with -----BEGIN CERTIFICATE-----).`,
    );
  }
  let matches = false;
  try {
    matches = x.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new PartnergateError(
      'environment',
      'tls_key_invalid',
      `${keyFile} is not a PEM private key (it should start with -----BEGIN PRIVATE KEY-----).`,
    );
  }
  if (!matches)
    throw new PartnergateError(
      'environment',
      'tls_key_mismatch',
      `${keyFile} is not the private key of the certificate in ${certFile}.`,
    );
  return {
    key,
    cert,
    source: 'operator',
    caPem: null,
    caFingerprint: null,
    pin: publicKeyPin(cert),
    names: [...sansOf(x)],
    notAfter: Date.parse(x.validTo),
  };
}

export type TlsService = ReturnType<typeof tlsService>;
