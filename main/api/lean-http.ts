/**
 * The lean reader: in front of Node's HTTP server on the plain-HTTP partner listener, it reads
 * the requests the fast door answers and writes the door's answers on the socket itself,
 * without Node's request and response objects, their streams and their ticks. A partner's
 * poll is a small GET on a kept-alive connection; this reader serves it at about twice the rate
 * Node's HTTP server can.
 *
 * It reads only what it can read without doubt: a whole `GET /… HTTP/1.1` in the strict form
 * (CRLF line ends, token header names, printable ASCII values), with no body and no header
 * that changes how the connection goes on (Content-Length, Transfer-Encoding, Expect, Upgrade,
 * a Connection other than keep-alive), each header the door reads sent once. Anything else,
 * and every request the door does not answer, hands the connection to Node's HTTP server with
 * every byte not yet answered, and Node serves it from then on with its own parser (llhttp),
 * limits and timeouts: another method, HTTP/1.0, a request split over reads, an obsolete line
 * fold, a bare LF, a control or non-ASCII byte, a repeated key. A request the gate has
 * already decided is handed over with its verdict (`carryVerdict`), so nothing is counted
 * twice.
 */
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { carryVerdict, type DoorHeaders, type FastDoor, type Send } from './fast-door.ts';

/** Node's default `maxHeaderSize`: a longer head goes to Node, which answers 431. */
const MAX_HEAD = 16 * 1024;
/** More header lines than a client sends in practice: such a request goes to Node. */
const MAX_HEADERS = 64;
/**
 * A whole head in the strict form: the request line, then `name: value` lines, the values
 * printable ASCII or tabs. One test of the whole head; its lines are then cut by position.
 */
const STRICT_HEAD = /^GET \/[!-~]* HTTP\/1\.1(?:\r\n[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e]*)*$/;
/**
 * The headers this reader looks at, by lower-case name: those the door reads (DoorHeaders)
 * and Connection, each by its place in `answer`'s values; and (-1) those whose presence
 * changes how a message or its connection is read. Every other header is checked for form
 * only: the door's answer does not depend on it.
 */
const LOOKED_AT = new Map([
  ['authorization', 0],
  ['x-api-key', 1],
  ['x-forwarded-for', 2],
  ['connection', 3],
  ['content-length', -1],
  ['transfer-encoding', -1],
  ['expect', -1],
  ['upgrade', -1],
]);
/** What Node refuses in a header value it writes (ERR_INVALID_CHAR). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export interface LeanHttp {
  /** Ends the connections this reader holds (each is idle between two requests). */
  close(): void;
  /** Requests answered on this reader's connections so far. */
  readonly answered: number;
}

/**
 * Puts the reader in front of `server` (a plain `http.Server` not yet listening): each new
 * connection is read here first.
 */
export function leanHttp(
  server: Server,
  door: Pick<FastDoor, 'serve'>,
  o: { keepAliveTimeoutMs: number },
): LeanHttp {
  const [nodeConnection, ...others] = server.listeners('connection') as ((s: Socket) => void)[];
  if (!nodeConnection || others.length)
    throw new Error("the server's connections are not Node's HTTP server's own");
  server.removeListener('connection', nodeConnection);
  // Node names the keep-alive timeout when there is one, in whole seconds.
  const keepAlive = `Connection: keep-alive\r\n${o.keepAliveTimeoutMs ? `Keep-Alive: timeout=${Math.floor(o.keepAliveTimeoutMs / 1000)}\r\n` : ''}\r\n`;
  const held = new Set<Socket>();
  let closing = false;
  let answered = 0;

  let dateSecond = -1;
  let dateText = '';
  /** The Date header's text, made once a second as Node's own is. */
  function date(): string {
    const s = Math.floor(Date.now() / 1000);
    if (s !== dateSecond) {
      dateSecond = s;
      dateText = new Date(s * 1000).toUTCString();
    }
    return dateText;
  }

  server.on('connection', (socket: Socket) => {
    if (closing) return nodeConnection.call(server, socket);
    held.add(socket);
    /** An idle or failed connection is closed at once: nothing is in flight on it. */
    const drop = () => socket.destroy();
    const forget = () => held.delete(socket);
    /** An answer laid out as Node lays it out on a kept-alive connection. */
    const send: Send = (status, headers, body) => {
      let head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n`;
      for (let i = 0; i < headers.length; i += 2) {
        const value = headers[i + 1]!;
        if (INVALID_VALUE.test(value))
          throw new TypeError(`Invalid character in header content ["${headers[i]}"]`);
        head += `${headers[i]}: ${value}\r\n`;
      }
      head += `Date: ${date()}\r\n${keepAlive}`;
      if (typeof body === 'string') socket.write(head + body);
      else {
        socket.cork();
        socket.write(head, 'latin1');
        socket.write(body);
        socket.uncork();
      }
      answered++;
    };

    /** Node's HTTP server takes the connection with `chunk` from `at` on, and keeps it. */
    const handOver = (chunk: Buffer, at: number, verdict: ReturnType<FastDoor['serve']>) => {
      socket.removeListener('data', read);
      socket.removeListener('error', drop);
      socket.removeListener('timeout', drop);
      socket.removeListener('close', forget);
      socket.setTimeout(0);
      held.delete(socket);
      if (verdict && verdict !== true) carryVerdict(socket, verdict);
      socket.pause();
      socket.unshift(at ? chunk.subarray(at) : chunk);
      nodeConnection.call(server, socket);
      socket.resume();
    };

    const read = (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      let at = 0;
      while (at < text.length) {
        const end = text.indexOf('\r\n\r\n', at);
        if (end < 0 || end - at > MAX_HEAD) return handOver(chunk, at, false);
        const r = answer(text, at, end, socket.remoteAddress, send);
        if (r !== true) return handOver(chunk, at, r);
        at = end + 4;
      }
      // A client that sends faster than it reads waits for its answers to drain.
      if (socket.writableNeedDrain) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    };

    socket.on('data', read);
    socket.on('error', drop);
    socket.on('close', forget);
    if (o.keepAliveTimeoutMs) socket.setTimeout(o.keepAliveTimeoutMs, drop);
  });

  /** The request in `text[at, end)` answered by the door, or what Node needs to answer it. */
  function answer(
    text: string,
    at: number,
    end: number,
    remoteAddress: string | undefined,
    send: Send,
  ): ReturnType<FastDoor['serve']> {
    const head = text.slice(at, end);
    if (!STRICT_HEAD.test(head)) return false;
    let from = head.indexOf('\r\n');
    if (from < 0) from = head.length;
    const url = head.slice(4, from - 9);
    const values: (string | undefined)[] = [undefined, undefined, undefined, undefined];
    for (let count = 0; from < head.length;) {
      if (++count > MAX_HEADERS) return false;
      const colon = head.indexOf(':', from);
      let to = head.indexOf('\r\n', colon);
      if (to < 0) to = head.length;
      const slot = LOOKED_AT.get(head.slice(from + 2, colon).toLowerCase());
      if (slot !== undefined) {
        // A header the answer depends on, sent twice: Node decides how the two combine.
        if (slot < 0 || values[slot] !== undefined) return false;
        // Values are printable ASCII or tabs: trim() takes off exactly the spaces and tabs around.
        values[slot] = head.slice(colon + 1, to).trim();
      }
      from = to;
    }
    if (values[3] !== undefined && values[3].toLowerCase() !== 'keep-alive') return false;
    const headers: DoorHeaders = {
      authorization: values[0],
      'x-api-key': values[1],
      'x-forwarded-for': values[2],
    };
    return door.serve('GET', url, headers, remoteAddress, send);
  }

  return {
    close() {
      closing = true;
      for (const socket of held) {
        socket.removeAllListeners('data');
        socket.destroySoon();
      }
      held.clear();
    },
    get answered() {
      return answered;
    },
  };
}
