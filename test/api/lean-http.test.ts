/**
 * The lean reader on its own: which requests it answers, which it hands to Node's HTTP server
 * (with every byte not yet answered, and the gate's verdict when there is one), and that its
 * answers are laid out byte for byte as Node lays out the same answer.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { leanHttp, type LeanHttp } from '../../main/api/lean-http.ts';
import { takeCarried, verdictOf, type DoorHeaders, type Send } from '../../main/api/fast-door.ts';
import type { Verdict } from '../../main/api/gate.ts';

const BODY = '{"ok":true}';
const HEAD = ['content-type', 'application/json; charset=utf-8', 'content-length', '11'];
/** A stand-in verdict: what the gate would carry to Fastify for a route it does not answer. */
const VERDICT = { ok: true, marker: 'gated' } as unknown as Verdict;

interface Running {
  port: number;
  lean: LeanHttp;
  /** What the stand-in door was asked, in order. */
  asked: { url: string; headers: Record<string, unknown> }[];
  /** Requests Node's server answered: url and the verdict they carried. */
  node: { url: string; verdict: unknown }[];
  server: http.Server;
}

const servers: Running[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.lean.close();
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  }
});

/**
 * A plain Node server with the lean reader in front and a stand-in door: it answers `/lean…`
 * itself, passes `/gated…` on with a verdict, and leaves everything else to Node, which answers
 * with the same head and body.
 */
async function start(keepAliveTimeoutMs = 72_000): Promise<Running> {
  const asked: Running['asked'] = [];
  const node: Running['node'] = [];
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    takeCarried(req);
    node.push({ url: req.url!, verdict: verdictOf(req) });
    res.writeHead(200, HEAD);
    res.end(BODY);
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  const door = {
    serve(_m: string | undefined, url: string, headers: DoorHeaders, _a: unknown, send: Send) {
      asked.push({ url, headers: { ...headers } });
      if (url.startsWith('/gated')) return VERDICT;
      if (!url.startsWith('/lean')) return false;
      send(200, HEAD, BODY);
      return true;
    },
  };
  const lean = leanHttp(server, door, { keepAliveTimeoutMs });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const running = { port: (server.address() as net.AddressInfo).port, lean, asked, node, server };
  servers.push(running);
  return running;
}

/** Writes `parts` (pausing between them) and reads `answers` responses or until the close. */
async function exchange(port: number, parts: string[], answers: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let raw = Buffer.alloc(0);
  const done = new Promise<{ responses: string[]; closed: boolean }>((resolve) => {
    const responses: string[] = [];
    const take = () => {
      for (;;) {
        const end = raw.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = raw.subarray(0, end).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (raw.length < end + 4 + length) return;
        responses.push(raw.subarray(0, end + 4 + length).toString());
        raw = raw.subarray(end + 4 + length);
        if (responses.length === answers) resolve({ responses, closed: false });
      }
    };
    socket.on('data', (d: Buffer) => {
      raw = Buffer.concat([raw, d]);
      take();
    });
    socket.on('close', () => resolve({ responses, closed: true }));
  });
  for (const [i, p] of parts.entries()) {
    if (i) await new Promise((r) => setTimeout(r, 30));
    socket.write(p, 'latin1');
  }
  const r = await done;
  socket.destroy();
  return r;
}

const get = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n${extra}\r\n`;
const masked = (response: string) => response.replace(/^Date: .*$/m, 'Date: <date>');

describe('the lean reader', () => {
  it('lays out its answer byte for byte as Node lays out the same answer', async () => {
    const s = await start();
    const lean = await exchange(s.port, [get('/lean')], 1);
    const node = await exchange(s.port, [get('/node')], 1);
    expect(s.lean.answered).toBe(1);
    expect(s.node.map((n) => n.url)).toEqual(['/node']);
    expect(masked(lean.responses[0]!)).toBe(masked(node.responses[0]!));
    expect(lean.responses[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Keep-Alive: timeout=72\r\n/);
  });

  it('answers several requests on one connection, and those that arrive together in order', async () => {
    const s = await start();
    const r = await exchange(s.port, [get('/lean/1') + get('/lean/2'), get('/lean/3')], 3);
    expect(r.responses).toHaveLength(3);
    expect(s.asked.map((a) => a.url)).toEqual(['/lean/1', '/lean/2', '/lean/3']);
    expect(s.lean.answered).toBe(3);
    expect(s.node).toEqual([]);
  });

  it('hands the connection to Node with every byte not yet answered, and Node keeps it', async () => {
    const s = await start();
    const post = 'POST /lean/post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello';
    const r = await exchange(s.port, [get('/lean/1') + post + get('/lean/2'), get('/lean/3')], 4);
    expect(r.responses).toHaveLength(4);
    expect(s.lean.answered).toBe(1);
    expect(s.node.map((n) => n.url)).toEqual(['/lean/post', '/lean/2', '/lean/3']);
  });

  it('hands over a request the door gated with its verdict, so the gate is not asked again', async () => {
    const s = await start();
    await exchange(s.port, [get('/gated/1')], 1);
    expect(s.node).toEqual([{ url: '/gated/1', verdict: VERDICT }]);
  });

  it('hands over a request split over two reads', async () => {
    const s = await start();
    const whole = get('/lean/split', 'Authorization: Bearer abc\r\n');
    const r = await exchange(s.port, [whole.slice(0, 20), whole.slice(20)], 1);
    expect(r.responses).toHaveLength(1);
    expect(s.lean.answered).toBe(0);
    expect(s.node.map((n) => n.url)).toEqual(['/lean/split']);
  });

  it('answers only the strict form: everything else is read by Node', async () => {
    const cases: [string, string][] = [
      ['plain', get('/lean')],
      ['no headers at all', 'GET /lean HTTP/1.1\r\n\r\n'],
      ['a header the door does not read, repeated', get('/lean', 'X-A: a\r\nx-a: b\r\n')],
      ['a header named __proto__', get('/lean', '__proto__: a\r\n')],
      ['another method', 'DELETE /lean HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['HTTP/1.0', 'GET /lean HTTP/1.0\r\nHost: x\r\n\r\n'],
      ['absolute form', 'GET http://x/lean HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['Connection: close', 'GET /lean HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      ['Content-Length: 0', get('/lean', 'Content-Length: 0\r\n')],
      ['Transfer-Encoding', get('/lean', 'Transfer-Encoding: chunked\r\n') + '0\r\n\r\n'],
      ['Expect', get('/lean', 'Expect: 100-continue\r\n')],
      ['a repeated key', get('/lean', 'X-Api-Key: a\r\nx-api-key: b\r\n')],
      ['a repeated Authorization', get('/lean', 'Authorization: a\r\nauthorization: a\r\n')],
      ['a repeated X-Forwarded-For', get('/lean', 'X-Forwarded-For: a\r\nX-Forwarded-For: b\r\n')],
      ['a repeated Connection', get('/lean', 'Connection: keep-alive\r\n')],
      ['an obsolete line fold', get('/lean', 'X-A: a\r\n b\r\n')],
      ['a bare LF', 'GET /lean HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n'],
      ['a non-ASCII value', get('/lean', 'X-A: caf\u00e9\r\n')],
      ['a control character', get('/lean', 'X-A: a\u0001b\r\n')],
      ['a space before the colon', get('/lean', 'X-A : a\r\n')],
    ];
    const got: [string, string][] = [];
    for (const [name, raw] of cases) {
      const s = await start();
      await exchange(s.port, [raw], 1);
      got.push([name, s.lean.answered ? 'lean' : 'node']);
    }
    expect(got).toEqual(cases.map(([name], i) => [name, i < 4 ? 'lean' : 'node']));
  });

  it('gives the door the headers it reads, by any case of their names, their values trimmed', async () => {
    const s = await start();
    const extra = 'X-Api-Key: \t abc def \t\r\nAccept:*/*\r\nAUTHORIZATION:Bearer k\r\n';
    await exchange(s.port, [get('/lean', `${extra}x-forwarded-FOR: 10.0.0.1 \r\n`)], 1);
    await exchange(s.port, [get('/lean')], 1);
    expect(s.asked).toEqual([
      {
        url: '/lean',
        headers: {
          authorization: 'Bearer k',
          'x-api-key': 'abc def',
          'x-forwarded-for': '10.0.0.1',
        },
      },
      {
        url: '/lean',
        headers: { authorization: undefined, 'x-api-key': undefined, 'x-forwarded-for': undefined },
      },
    ]);
  });

  it('closes a connection left idle for the keep-alive timeout', async () => {
    const s = await start(200);
    const r = await exchange(s.port, [get('/lean')], 2);
    expect(r).toMatchObject({ closed: true });
    expect(r.responses).toHaveLength(1);
  });

  it('ends the connections it holds when the listener closes', async () => {
    const s = await start();
    const socket = net.connect(s.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(get('/lean'));
    await new Promise((r) => socket.once('data', r));
    const ended = new Promise((r) => socket.once('close', r));
    s.lean.close();
    s.server.close();
    await ended;
    expect(s.lean.answered).toBe(1);
  });
});
