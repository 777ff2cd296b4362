/**
 * The blob endpoint over node:http/https keep-alive connections: HEAD, ranged GETs, page lists,
 * Put Page and Put Page From URL. A ranged GET's body is handed to the caller piece by piece as
 * the socket delivers it (no assembly copy); the caller may answer a piece with a promise, which
 * pauses the response until it settles (backpressure). Retry, re-grant and cancel are the
 * session's (session.ts); the direct-socket fast path for range bodies is direct.ts.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { parseRetryAfter } from '../shared/retryAfter';
import { BodyError, HttpStatusError } from './errors';

export { BodyError, HttpStatusError, Md5MismatchError } from './errors';

export const STORAGE_VERSION = '2021-08-06';

export interface RangeBody {
    length: number;
    /** Content-MD5 as the service sent it (base64), when asked and served. */
    md5?: string;
    etag?: string;
}

export interface BlobProps {
    size: number;
    blobType?: string;
    etag?: string;
    lastModified?: string;
    /** The address and port the answering socket was connected to (a proxy's, when there is one). */
    peer?: { address?: string; port?: number };
}

export { parseRetryAfter };

/**
 * The bearer token of a disk whose export is protected by Entra ID (dataAccessAuthMode
 * AzureActiveDirectory), sent with the SAS on every request. Called per request: the caller caches
 * and renews it. A secret: never logged.
 */
export type Authorization = () => Promise<string>;

export async function authHeaders(auth: Authorization | undefined): Promise<Record<string, string>> {
    return auth ? { authorization: `Bearer ${await auth()}` } : {};
}

export function header(res: http.IncomingMessage, name: string): string | undefined {
    const v = res.headers[name];
    return Array.isArray(v) ? v[0] : v;
}

/** Keep-alive agents for both schemes, at most `connections` sockets each, newest idle socket first. */
export function keepAliveAgents(connections: number): { http: http.Agent; https: https.Agent } {
    const o = { keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'lifo' as const };
    return { http: new http.Agent(o), https: new https.Agent(o) };
}

export function withQuery(url: string, params: Record<string, string>): string {
    const u = new URL(url);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
}

/** The x-ms-range value of the half-open range [start, end). */
export const byteRange = (start: number, end: number): string => `bytes=${start}-${end - 1}`;

/** Drains the answer; anything but `status` is an HttpStatusError with the service's code and Retry-After. */
async function expectStatus(res: http.IncomingMessage, status: number): Promise<void> {
    res.resume();
    await new Promise<void>((resolve, reject) => {
        res.once('error', reject);
        res.once('end', resolve);
    });
    if (res.statusCode !== status) throw new HttpStatusError(res.statusCode ?? 0, header(res, 'x-ms-error-code'), parseRetryAfter(res.headers['retry-after']));
}

/**
 * The blob endpoint: every request the transfers make to Blob storage (properties, ranged reads,
 * page lists, Put Page, Put Page From URL) over keep-alive connections, with the disk's bearer
 * token when it needs one. The direct-socket fast path for range bodies is in direct.ts.
 */
export class BlobEndpoint {
    private readonly httpAgent: http.Agent;
    private readonly httpsAgent: https.Agent;

    constructor(connections: number, private readonly idleTimeoutMs: number, private readonly auth?: Authorization) {
        ({ http: this.httpAgent, https: this.httpsAgent } = keepAliveAgents(connections));
    }

    private async request(url: string, method: string, headers: Record<string, string>, signal?: AbortSignal, body?: Buffer): Promise<http.IncomingMessage> {
        const u = new URL(url);
        const mod = u.protocol === 'https:' ? https : http;
        const agent = u.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
        const auth = await authHeaders(this.auth);
        return new Promise((resolve, reject) => {
            const req = mod.request(u, { method, agent, headers: { 'x-ms-version': STORAGE_VERSION, ...auth, ...headers }, signal });
            // Idle-socket timeout, not whole-request: a slow link that keeps trickling is fine.
            req.setTimeout(this.idleTimeoutMs, () => req.destroy(Object.assign(new Error('socket idle timeout'), { code: 'ETIMEDOUT' })));
            req.once('response', resolve);
            req.once('error', reject);
            req.end(body);
        });
    }

    async head(url: string, signal?: AbortSignal): Promise<BlobProps> {
        const res = await this.request(url, 'HEAD', {}, signal);
        const peer = res.socket ? { address: res.socket.remoteAddress, port: res.socket.remotePort } : undefined;
        res.resume();
        if (res.statusCode !== 200) throw new HttpStatusError(res.statusCode ?? 0, header(res, 'x-ms-error-code'), parseRetryAfter(res.headers['retry-after']));
        return {
            size: Number(header(res, 'content-length')),
            blobType: header(res, 'x-ms-blob-type'),
            etag: header(res, 'etag'),
            lastModified: header(res, 'last-modified'),
            peer,
        };
    }

    /** A small GET answered with 200 and a text body (e.g. Get Page Ranges XML). */
    async text(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<string> {
        const res = await this.request(url, 'GET', headers, signal);
        if (res.statusCode !== 200) {
            res.resume();
            throw new HttpStatusError(res.statusCode ?? 0, header(res, 'x-ms-error-code'), parseRetryAfter(res.headers['retry-after']));
        }
        res.setEncoding('utf8');
        let body = '';
        for await (const piece of res) body += piece as string;
        if (!res.complete) throw new BodyError('connection closed before the end of the response');
        return body;
    }

    /** GET bytes [start, end), each body piece to `onData(piece, offsetInRange)`; checks Content-Length and the body length. */
    async get(url: string, start: number, end: number, wantMd5: boolean, onData: (piece: Buffer, at: number) => Promise<void> | undefined, signal?: AbortSignal): Promise<RangeBody> {
        const expected = end - start;
        const headers: Record<string, string> = { 'x-ms-range': byteRange(start, end) };
        if (wantMd5) headers['x-ms-range-get-content-md5'] = 'true';
        const res = await this.request(url, 'GET', headers, signal);
        const status = res.statusCode ?? 0;
        if (status !== 206 && !(status === 200 && start === 0)) {
            res.resume();
            throw new HttpStatusError(status, header(res, 'x-ms-error-code'), parseRetryAfter(res.headers['retry-after']));
        }
        const cl = Number(header(res, 'content-length'));
        if (cl !== expected) {
            res.destroy();
            throw new BodyError(`Content-Length ${cl} for a range of ${expected} bytes`);
        }
        let got = 0;
        await new Promise<void>((resolve, reject) => {
            let settled = false;
            const fail = (e: Error) => {
                if (settled) return;
                settled = true;
                res.destroy();
                reject(e);
            };
            res.on('data', (b: Buffer) => {
                if (got + b.length > expected) return fail(new BodyError(`body longer than ${expected} bytes`));
                const wait = onData(b, got);
                got += b.length;
                if (wait) {
                    res.pause();
                    wait.then(() => { if (!settled) res.resume(); }, fail);
                }
            });
            res.once('end', () => {
                if (settled) return;
                settled = true;
                if (got !== expected) reject(new BodyError(`body ended after ${got} of ${expected} bytes`));
                else resolve();
            });
            res.once('aborted', () => fail(new BodyError(`connection closed after ${got} of ${expected} bytes`)));
            res.once('error', (e) => fail(e));
            res.once('close', () => {
                if (!settled && got !== expected) fail(new BodyError(`connection closed after ${got} of ${expected} bytes`));
            });
        });
        return { length: got, md5: wantMd5 ? header(res, 'content-md5') : undefined, etag: header(res, 'etag') };
    }

    /**
     * Put Page: writes `body` at blob offset `start` (both 512-aligned, body ≤ 4 MiB) with its
     * Content-MD5. Only ever `?comp=page` with `x-ms-page-write: update`: a Put Blob on a disk's
     * blob would recreate it and wipe what the disk service set on it.
     */
    async putPage(url: string, start: number, body: Buffer, md5: string, signal?: AbortSignal): Promise<void> {
        const res = await this.request(withQuery(url, { comp: 'page' }), 'PUT', {
            'x-ms-page-write': 'update',
            'x-ms-range': byteRange(start, start + body.length),
            'content-length': String(body.length),
            'content-md5': md5,
        }, signal, body);
        await expectStatus(res, 201);
    }

    /**
     * Put Page From URL: the service reads the source range itself, no data passes this machine.
     * A source disk protected by Entra ID needs its token in x-ms-copy-source-authorization as
     * well as its SAS.
     */
    async putPageFromUrl(target: string, source: string, start: number, end: number, sourceAuth?: Authorization, signal?: AbortSignal): Promise<void> {
        const headers: Record<string, string> = {
            'x-ms-page-write': 'update',
            'x-ms-range': byteRange(start, end),
            'x-ms-source-range': byteRange(start, end),
            'x-ms-copy-source': source,
            'content-length': '0',
        };
        if (sourceAuth) headers['x-ms-copy-source-authorization'] = `Bearer ${await sourceAuth()}`;
        const res = await this.request(withQuery(target, { comp: 'page' }), 'PUT', headers, signal);
        await expectStatus(res, 201);
    }

    /** Bytes [start, end) of the blob, whole, into a new buffer. */
    async readRange(url: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer> {
        const out = Buffer.alloc(end - start);
        await this.get(url, start, end, false, (piece, at) => {
            piece.copy(out, at);
            return undefined;
        }, signal);
        return out;
    }

    destroy(): void {
        this.httpAgent.destroy();
        this.httpsAgent.destroy();
    }
}
