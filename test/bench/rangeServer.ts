/**
 * A minimal blob endpoint over a BlobModel, on 127.0.0.1 only: HEAD, ranged GET (with
 * x-ms-range-get-content-md5), Get Page Ranges with real NextMarker pagination and x-ms-range
 * windows, a SAS check, fault injection, and an optional link model (latency per response,
 * bandwidth per connection). It closes itself after `lifetimeMs`.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BlobModel } from './blobModel';

export type Fault =
    | { status: number; errorCode?: string; retryAfter?: string }
    | { resetAfter: number } // destroy the socket after this many body bytes
    | { truncateAfter: number } // end the response early (short body, Content-Length says more)
    | { wrongLength: true } // Content-Length and body shorter than asked
    | { corrupt: true } // flip one byte, keep the MD5 of the right bytes
    | { stallMs: number } // wait this long before the headers
    | { trickle: { bytes: number; everyMs: number } }; // send the body slowly

export interface RequestInfo {
    kind: 'head' | 'get' | 'list';
    start: number;
    end: number;
    /** Sequence number of this kind of request (0-based). */
    n: number;
    sig: string | null;
}

export interface RangeServerOptions {
    blobType?: 'PageBlob' | 'BlockBlob';
    /** Page ranges per Get Page Ranges response (default 100). */
    pageSize?: number;
    serveMd5?: boolean; // default true
    latencyMs?: number;
    /** Per-response bandwidth cap. */
    bytesPerSecond?: number;
    /** When set, requests must carry one of these `sig` values or get 403 AuthenticationFailed. */
    validSigs?: Set<string>;
    fault?: (info: RequestInfo) => Fault | undefined;
    etag?: string;
    lifetimeMs?: number; // default 15 min
    /** Ranges whose Content-MD5 is computed before the server starts (the benchmark's plan), so no timed run pays for it. */
    md5Ranges?: { start: number; end: number }[];
}

export interface ServedRange {
    start: number;
    end: number;
    complete: boolean;
}

export interface RangeServer {
    url: string; // http://127.0.0.1:PORT/devstoreaccount1/c/blob (no query)
    opts: RangeServerOptions;
    served: ServedRange[];
    /** maxInFlight: most requests open at once (≈ connections in use). */
    /** other: requests for anything but the blob (the container's properties). */
    counts: { head: number; get: number; list: number; other: number; forbidden: number; bytes: number; maxInFlight: number };
    close(): Promise<void>;
}

function pageListXml(ranges: { start: number; end: number }[], next: string | undefined): string {
    const items = ranges.map((r) => `<PageRange><Start>${r.start}</Start><End>${r.end - 1}</End></PageRange>`).join('');
    return `<?xml version="1.0" encoding="utf-8"?><PageList>${items}${next ? `<NextMarker>${next}</NextMarker>` : '<NextMarker />'}</PageList>`;
}

function parseRange(v: string | undefined, size: number): { start: number; end: number } | undefined {
    const m = v ? /^bytes=(\d+)-(\d*)$/.exec(v) : null;
    if (!m) return undefined;
    const start = Number(m[1]);
    const end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
    return start < end ? { start, end } : undefined;
}

const CONTAINER_PATH = '/devstoreaccount1/c';
const BLOB_PATH = `${CONTAINER_PATH}/blob`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRangeServer(model: BlobModel, opts: RangeServerOptions = {}): Promise<RangeServer> {
    const served: ServedRange[] = [];
    const counts = { head: 0, get: 0, list: 0, other: 0, forbidden: 0, bytes: 0, maxInFlight: 0 };
    let inFlight = 0;
    const blobType = opts.blobType ?? 'PageBlob';
    // The data never changes, so MD5s are computed once: the server should not be the bottleneck.
    const md5Cache = new Map<string, string>();
    for (const r of opts.md5Ranges ?? []) {
        if (r.end - r.start > 4 * 1024 * 1024) continue;
        const h = crypto.createHash('md5');
        for (const piece of model.slices(r.start, r.end)) h.update(piece);
        md5Cache.set(`${r.start}-${r.end}`, h.digest('base64'));
    }

    const server = http.createServer(async (req, res) => {
        counts.maxInFlight = Math.max(counts.maxInFlight, ++inFlight);
        res.once('close', () => inFlight--);
        try {
            const u = new URL(req.url ?? '/', 'http://127.0.0.1');
            const sig = u.searchParams.get('sig');
            const common = { etag: opts.etag ?? '"0x8DC0000000000001"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT', 'x-ms-blob-type': blobType, 'x-ms-version': '2021-08-06' };
            if (u.pathname !== BLOB_PATH) {
                // Not the blob: AzCopy asks for its container's properties (GET ?restype=container)
                // before it downloads. Answered as the service does — headers, no body — and not as
                // a GET of the blob, whose whole body it would otherwise read into memory.
                counts.other++;
                if (opts.latencyMs) await sleep(opts.latencyMs);
                const container = u.pathname === CONTAINER_PATH && u.searchParams.get('restype') === 'container' && !u.searchParams.has('comp');
                if (container && (req.method === 'GET' || req.method === 'HEAD')) {
                    res.writeHead(200, { etag: common.etag, 'last-modified': common['last-modified'], 'x-ms-version': common['x-ms-version'], 'content-length': '0', 'x-ms-lease-state': 'available', 'x-ms-lease-status': 'unlocked', 'x-ms-has-immutability-policy': 'false', 'x-ms-has-legal-hold': 'false' });
                    res.end();
                } else {
                    const body = '<?xml version="1.0" encoding="utf-8"?><Error><Code>ResourceNotFound</Code><Message>The specified resource does not exist.</Message></Error>';
                    res.writeHead(404, { 'x-ms-error-code': 'ResourceNotFound', 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) });
                    res.end(req.method === 'HEAD' ? undefined : body);
                }
                return;
            }
            const isList = u.searchParams.get('comp') === 'pagelist';
            const kind: RequestInfo['kind'] = req.method === 'HEAD' ? 'head' : isList ? 'list' : 'get';
            const rangeHeader = (req.headers['x-ms-range'] ?? req.headers['range']) as string | undefined;
            const range = parseRange(rangeHeader, model.size) ?? { start: 0, end: model.size };
            const n = counts[kind]++;
            if (opts.validSigs && !(sig && opts.validSigs.has(sig))) {
                counts.forbidden++;
                res.writeHead(403, { 'x-ms-error-code': 'AuthenticationFailed', 'content-type': 'application/xml' });
                res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Signature not valid in the specified time frame</Message></Error>');
                return;
            }
            const fault = opts.fault?.({ kind, start: range.start, end: range.end, n, sig });
            if (fault && 'stallMs' in fault) await sleep(fault.stallMs);
            if (opts.latencyMs) await sleep(opts.latencyMs);
            if (fault && 'status' in fault) {
                const h: Record<string, string> = { 'content-type': 'application/xml' };
                if (fault.errorCode) h['x-ms-error-code'] = fault.errorCode;
                if (fault.retryAfter !== undefined) h['retry-after'] = fault.retryAfter;
                res.writeHead(fault.status, h);
                res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${fault.errorCode ?? 'Fault'}</Code><Message>injected</Message></Error>`);
                return;
            }
            if (kind === 'head') {
                res.writeHead(200, { ...common, 'content-length': String(model.size) });
                res.end();
                return;
            }
            if (kind === 'list') {
                if (blobType !== 'PageBlob') {
                    res.writeHead(400, { 'x-ms-error-code': 'InvalidBlobType', 'content-type': 'application/xml' });
                    res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>InvalidBlobType</Code><Message>The blob type is invalid for this operation.</Message></Error>');
                    return;
                }
                const inWindow = model.ranges
                    .filter((r) => r.end > range.start && r.start < range.end)
                    .map((r) => ({ start: Math.max(r.start, range.start), end: Math.min(r.end, range.end) }));
                const from = Number(u.searchParams.get('marker') ?? '0') || 0;
                const max = Math.min(opts.pageSize ?? 100, Number(u.searchParams.get('maxresults') ?? Infinity));
                const page = inWindow.slice(from, from + max);
                const next = from + max < inWindow.length ? String(from + max) : undefined;
                const body = pageListXml(page, next);
                res.writeHead(200, { ...common, 'content-type': 'application/xml', 'x-ms-blob-content-length': String(model.size), 'content-length': String(Buffer.byteLength(body)) });
                res.end(body);
                return;
            }
            // Ranged GET.
            const start = range.start;
            let end = range.end;
            if (fault && 'wrongLength' in fault) end = start + Math.max(0, Math.floor((end - start) / 2));
            let slices = model.slices(start, end);
            const length = end - start;
            const headers: Record<string, string> = { ...common, 'content-length': String(length), 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
            const partialAnswer = rangeHeader !== undefined;
            if (partialAnswer) headers['content-range'] = `bytes ${start}-${end - 1}/${model.size}`;
            if (req.headers['x-ms-range-get-content-md5'] === 'true' && (opts.serveMd5 ?? true) && length <= 4 * 1024 * 1024) {
                const key = `${start}-${end}`;
                let sum = md5Cache.get(key);
                if (!sum) {
                    const h = crypto.createHash('md5');
                    for (const s of slices) h.update(s);
                    sum = h.digest('base64');
                    if (md5Cache.size < 100_000) md5Cache.set(key, sum);
                }
                headers['content-md5'] = sum;
            }
            if (fault && 'corrupt' in fault) {
                const all = Buffer.concat(slices);
                all[all.length >> 1] ^= 0xff;
                slices = [all];
            }
            res.writeHead(partialAnswer ? 206 : 200, headers);
            let limit = length;
            if (fault && 'resetAfter' in fault) limit = Math.min(limit, fault.resetAfter);
            if (fault && 'truncateAfter' in fault) limit = Math.min(limit, fault.truncateAfter);
            const pace = fault && 'trickle' in fault ? fault.trickle : opts.bytesPerSecond ? { bytes: 256 * 1024, everyMs: (256 * 1024 * 1000) / opts.bytesPerSecond } : undefined;
            let sent = 0;
            const t0 = Date.now();
            for (let s of slices) {
                if (sent >= limit) break;
                if (sent + s.length > limit) s = s.subarray(0, limit - sent);
                if (pace) {
                    for (let o = 0; o < s.length; o += pace.bytes) {
                        const piece = s.subarray(o, o + pace.bytes);
                        const due = t0 + ((sent + piece.length) / pace.bytes) * pace.everyMs;
                        if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
                        sent += piece.length;
                        const wait = due - Date.now();
                        if (wait > 0) await sleep(wait);
                        if (res.destroyed) return;
                    }
                } else {
                    sent += s.length;
                    if (!res.write(s)) await new Promise((r) => res.once('drain', r));
                    if (res.destroyed) return;
                }
            }
            counts.bytes += sent;
            if (sent < length) {
                served.push({ start, end, complete: false });
                if (!(fault && 'resetAfter' in fault)) req.socket.end();
                else if (req.socket.resetAndDestroy) req.socket.resetAndDestroy();
                else req.socket.destroy();
                return;
            }
            served.push({ start, end, complete: true });
            res.end();
        } catch {
            res.destroy();
        }
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const lifetime = setTimeout(() => void close(), opts.lifetimeMs ?? 15 * 60_000);
    lifetime.unref();
    let closing: Promise<void> | undefined;
    function close(): Promise<void> {
        clearTimeout(lifetime);
        closing ??= new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        });
        return closing;
    }
    // Emulator-style path (account/container/blob) so AzCopy and the SDK parse it like Azurite.
    return { url: `http://127.0.0.1:${port}${BLOB_PATH}`, opts, served, counts, close };
}
