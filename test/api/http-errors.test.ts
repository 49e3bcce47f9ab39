/**
 * Every answer the partner listener sends, from any layer (Node's HTTP parser, the router, body
 * parsing, the routes), has the one documented error shape, and every status it can send is in
 * the OpenAPI document.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from './fixture.ts';
import { request } from './http.ts';

let f: ApiFixture;
let secret: string;
beforeAll(async () => {
  f = await apiFixture({ demo: false });
  const p = f.core.accounts.create({ kind: 'affiliate', name: 'P' });
  secret = (await f.key(p.id)).secret;
});
afterAll(() => f.close());

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are (no client library tidying them up) and reads the answer. */
function raw(text: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(f.listener.port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      const end = out.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = out.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [
          l.slice(0, l.indexOf(':')).toLowerCase(),
          l.slice(l.indexOf(':') + 1).trim(),
        ]),
      );
      const length = Number(headers['content-length'] ?? NaN);
      const body = out.slice(end + 4);
      if (Number.isFinite(length) && Buffer.byteLength(body, 'latin1') >= length) {
        socket.destroy();
        resolve({
          status: Number(statusLine!.split(' ')[1]),
          headers,
          body: body.slice(0, length),
        });
      }
    });
    socket.on('error', reject);
    socket.on('close', () =>
      reject(new Error(`closed without a complete answer: ${JSON.stringify(out)}`)),
    );
  });
}

function expectShape(r: Raw, status: number, code: string) {
  expect(r.status, r.body).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(r.body) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error)).toEqual(['code', 'message', 'request_id', 'details']);
  expect(body.error.code).toBe(code);
  expect(String(body.error.request_id)).toMatch(/^req_/);
  expect(Array.isArray(body.error.details)).toBe(true);
  expect(String(body.error.message).length).toBeGreaterThan(10);
}

const auth = () => `Authorization: Bearer ${secret}\r\n`;

describe('answers from below the routes have the one error shape', () => {
  it('a request that is not valid HTTP: 400', async () => {
    expectShape(await raw('GET /api/v1/me HTTP/1.1 extra\r\nHost: x\r\n\r\n'), 400, 'bad_request');
    expectShape(
      await raw('GET /api/v1/me HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'),
      400,
      'bad_request',
    );
    expectShape(await raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), 400, 'bad_request');
  });

  it('headers too large: 431', async () => {
    expectShape(
      await raw(`GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`),
      431,
      'headers_too_large',
    );
  });

  it('an Expect header the server does not meet: 417', async () => {
    expectShape(
      await raw(
        `POST /api/v1/conversions HTTP/1.1\r\nHost: x\r\n${auth()}Expect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
      ),
      417,
      'expectation_failed',
    );
  });

  it('a path parameter that is far too long: 414', async () => {
    expectShape(
      await raw(`GET /api/v1/reports/${'1'.repeat(300)} HTTP/1.1\r\nHost: x\r\n${auth()}\r\n`),
      414,
      'uri_too_long',
    );
  });

  it('a path that is not valid percent-encoding: 400', async () => {
    expectShape(
      await raw(`GET /api/v1/reports/%E0%A4%A HTTP/1.1\r\nHost: x\r\n${auth()}\r\n`),
      400,
      'invalid_url',
    );
  });

  it('a request without Host is served like any other', async () => {
    const r = await raw(`GET /api/v1/me HTTP/1.1\r\n${auth()}\r\n`);
    expect(r.status).toBe(200);
  });

  it('bodies: malformed JSON 400, too large 413, another media type 415', async () => {
    const post = (type: string, body: string) =>
      raw(
        `POST /api/v1/conversions HTTP/1.1\r\nHost: x\r\n${auth()}Content-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    expectShape(await post('application/json', '{"a":'), 400, 'invalid_json');
    expectShape(await post('application/json', `"${'x'.repeat(70_000)}"`), 413, 'body_too_large');
    expectShape(await post('text/xml', '<a/>'), 415, 'unsupported_media_type');
  });
});

describe('the OpenAPI document', () => {
  it('lists every status an operation can answer, each with the error shape', async () => {
    const doc = (await request(`${f.base}/api/v1/openapi.json`)).json<{
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }
        >
      >;
    }>();
    const always = ['400', '401', '403', '404', '414', '429', '431', '500', '503'];
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses);
        for (const s of always) expect(statuses, `${method} ${path}`).toContain(s);
        if (method === 'post') for (const s of ['413', '415', '417']) expect(statuses).toContain(s);
        for (const s of statuses.filter((x) => Number(x) >= 400))
          expect(JSON.stringify(op.responses[s]), `${method} ${path} ${s}`).toContain('Error');
      }
  });
});
