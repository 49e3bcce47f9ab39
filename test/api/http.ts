import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Source address of the connection (127.0.0.2, ::1 …): what the whitelist sees. */
  localAddress?: string;
  /** Ask to keep the connection (`Connection: keep-alive`), as polling clients do. */
  keepAlive?: boolean;
}

/** One request on a fresh connection, so the source address is the one asked for. */
export function request(url: string, o: HttpOptions = {}): Promise<HttpResponse> {
  // A keep-alive agent of its own: the connection is new, and closed once answered.
  const agent = o.keepAlive ? new http.Agent({ keepAlive: true }) : false;
  return new Promise<HttpResponse>((resolve, reject) => {
    const body =
      o.body === undefined
        ? undefined
        : typeof o.body === 'string'
          ? o.body
          : JSON.stringify(o.body);
    const req = http.request(
      url,
      {
        method: o.method ?? (body ? 'POST' : 'GET'),
        agent,
        ...(o.localAddress && { localAddress: o.localAddress }),
        headers: {
          ...(body && typeof o.body !== 'string' ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  }).finally(() => agent && agent.destroy());
}
