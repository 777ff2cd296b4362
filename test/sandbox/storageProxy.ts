/**
 * A streaming HTTP proxy in front of Azurite. It is where storage faults happen (connection cut
 * mid-body, truncated body, delay, 403/500/503) and where requests are counted. The happy path is
 * a plain pipe with a byte counter, so it does not slow the benchmark down.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { storageErrorFor, type FaultList, type StorageFault } from './faults';
import { RequestLog, type LoggedRequest } from './requestLog';
import { snapshotDiff, trackedDiff, type TrackedChange, type UpstreamGet } from './snapshotDiff';

export interface StorageProxy {
    port: number;
    log: RequestLog;
    stop(): Promise<void>;
}

function xmlEscape(s: string): string {
    return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorXml(code: string, message: string, requestId: string, detail?: string): string {
    const extra = detail ? `<AuthenticationErrorDetail>${xmlEscape(detail)}</AuthenticationErrorDetail>` : '';
    return `<?xml version="1.0" encoding="utf-8"?><Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message>${extra}</Error>`;
}

/**
 * Azure answers an expired SAS with 403 AuthenticationFailed ("Signature not valid in the
 * specified time frame"); Azurite says AuthorizationFailure, so the proxy answers as Azure does.
 */
function expiredDetail(params: URLSearchParams): string | undefined {
    const se = params.get('se');
    if (!se || !(Date.parse(se) < Date.now())) return undefined;
    const st = params.get('st');
    const fmt = (v: string | null) => (v ? new Date(v).toUTCString() : '');
    return `Signature not valid in the specified time frame: Start [${fmt(st)}] - Expiry [${fmt(se)}] - Current [${new Date().toUTCString()}]`;
}

/** "container/blob" of a path-style URL under the account, decoded. */
function blobSubject(pathname: string): string {
    const parts = pathname.split('/').filter(Boolean).slice(1);
    try {
        return parts.map(decodeURIComponent).join('/');
    } catch {
        return parts.join('/');
    }
}

/** What the proxy knows of the managed disk (or snapshot) a blob belongs to. */
export interface BlobOwner {
    kind: string;
    name: string;
    tenantId: string;
    dataAccessAuthMode?: string;
    networkAccessPolicy?: string;
}

/** An answer the storage gives instead of serving the request. */
export interface StorageRefusal {
    status: number;
    code: string;
    message: string;
    headers?: Record<string, string>;
}

export interface StoragePolicy {
    /** The disk/snapshot whose blob "container/blob" is, if any. */
    ownerOf(subject: string): BlobOwner | undefined;
    /** Rules of the disk a blob belongs to (network access policy, Entra ID): a refusal, or undefined to go on. */
    admit?(owner: BlobOwner, authorization: string | undefined): StorageRefusal | undefined;
    /** When set, Put Page From URL is refused with this (a service that will not copy server-side). */
    copyFromUrlRefusal?(): { status: number; code: string; message: string } | undefined;
    /** Get Page Ranges with prevsnapshoturl: a refusal for this pair of blobs ("container/blob"), or undefined to diff them. */
    diffRefusal?(newer: string, older: string): StorageRefusal | undefined;
    /** The changes recorded between this pair of blobs, as the service tracks writes: listed from here instead of comparing the blobs' content. */
    trackedChanges?(newer: string, older: string): readonly TrackedChange[] | undefined;
}

/** Put Page From URL moves at most 4 MiB per request. */
export const MAX_PAGE_FROM_URL = 4 * 1024 * 1024;

/** "bytes=a-b" → [a, b], or undefined when it is not that shape. */
function parseRange(v: string | undefined): [number, number] | undefined {
    const m = /^bytes=(\d+)-(\d+)$/.exec((v ?? '').trim());
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = Number(m[2]);
    return b >= a ? [a, b] : undefined;
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string, requestId: string, detail?: string, extra: Record<string, string> = {}): void {
    const body = errorXml(code, message, requestId, detail);
    res.writeHead(status, {
        'Content-Type': 'application/xml',
        'Content-Length': Buffer.byteLength(body),
        'x-ms-error-code': code,
        'x-ms-request-id': requestId,
        ...extra,
    });
    res.end(body);
}

/**
 * `isRevoked(sig)`: a SAS whose grant was revoked is refused here, as the service refuses it
 * (Azurite alone would honour it until it expires).
 */
export async function startStorageProxy(upstream: number | (() => number), faults: FaultList<StorageFault>, isRevoked: (sig: string) => boolean = () => false, policy: StoragePolicy = { ownerOf: () => undefined }): Promise<StorageProxy> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
    const log = new RequestLog();
    let seq = 0;

    let ownPort = 0;

    /** GET through this proxy (so revoked/expired SAS, faults and policies apply to the source as well). */
    const readSource = (source: URL, range: [number, number], authorization?: string) => new Promise<{ status: number; body: Buffer; code?: string }>((resolve, reject) => {
        const r = http.request({ host: '127.0.0.1', port: ownPort, method: 'GET', path: `${source.pathname}${source.search}`, agent, headers: { 'x-ms-range': `bytes=${range[0]}-${range[1]}`, 'x-ms-version': '2025-01-05', ...(authorization ? { authorization } : {}) } }, (sr) => {
            const chunks: Buffer[] = [];
            sr.on('data', (c: Buffer) => chunks.push(c));
            sr.on('end', () => resolve({ status: sr.statusCode ?? 502, body: Buffer.concat(chunks), code: sr.headers['x-ms-error-code'] as string | undefined }));
            sr.on('error', reject);
        });
        r.on('error', reject);
        r.end();
    });

    /**
     * Put Page From URL (Azurite lacks it): checks the two ranges, reads the source range with the
     * source's own SAS and writes it with a plain Put Page under the destination's SAS.
     */
    const putPageFromUrl = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, entry: LoggedRequest): Promise<void> => {
        const fail = (status: number, code: string, message: string, extra: Record<string, string> = {}) => {
            sendError(res, status, code, message, `sandbox-${++seq}`, undefined, extra);
            log.finish(entry, status, 0);
        };
        const refusal = policy.copyFromUrlRefusal?.();
        if (refusal) return fail(refusal.status, refusal.code, refusal.message);
        const dest = parseRange((req.headers['x-ms-range'] ?? req.headers.range) as string | undefined);
        const srcRangeHeader = req.headers['x-ms-source-range'] as string | undefined;
        if (srcRangeHeader === undefined) return fail(400, 'MissingRequiredHeader', "An HTTP header that's mandatory for this request is not specified.");
        const src = parseRange(srcRangeHeader);
        if (!dest || !src) return fail(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.');
        if (dest[0] % 512 !== 0 || (dest[1] + 1) % 512 !== 0 || src[0] % 512 !== 0 || (src[1] + 1) % 512 !== 0) {
            return fail(416, 'InvalidPageRange', 'The page range specified is invalid.');
        }
        const length = dest[1] - dest[0] + 1;
        if (src[1] - src[0] + 1 !== length) return fail(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.');
        if (length > MAX_PAGE_FROM_URL) return fail(413, 'RequestBodyTooLarge', 'The request body is too large and exceeds the maximum permissible limit.');
        let source: URL;
        try {
            source = new URL(String(req.headers['x-ms-copy-source']));
        } catch {
            return fail(400, 'InvalidHeaderValue', 'The value for one of the HTTP headers is not in the correct format.');
        }
        if (!/^(127\.0\.0\.1|localhost)$/.test(source.hostname) || Number(source.port) !== ownPort) {
            // The sandbox reaches nothing outside itself.
            return fail(404, 'CannotVerifyCopySource', 'The specified resource does not exist.');
        }
        if (!source.searchParams.get('sig')) {
            // Disk blobs are never public: without a SAS the source read fails authentication.
            return fail(403, 'CannotVerifyCopySource', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.');
        }
        const read = await readSource(source, src, req.headers['x-ms-copy-source-authorization'] as string | undefined);
        if (read.status !== 206 && read.status !== 200) {
            const m = /<Message>([^\n<]*)/.exec(read.body.toString('utf8'));
            return fail(read.status, 'CannotVerifyCopySource', m?.[1] ?? 'Could not verify the copy source within the specified time.');
        }
        if (read.body.length !== length) return fail(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.');
        const upstreamPort = typeof upstream === 'number' ? upstream : upstream();
        const headers: http.OutgoingHttpHeaders = { host: `127.0.0.1:${upstreamPort}`, 'x-ms-range': `bytes=${dest[0]}-${dest[1]}`, 'x-ms-page-write': 'update', 'content-length': length, 'x-ms-version': req.headers['x-ms-version'] ?? '2025-01-05' };
        for (const h of ['x-ms-lease-id', 'x-ms-if-sequence-number-le', 'x-ms-if-sequence-number-lt', 'x-ms-if-sequence-number-eq', 'if-match', 'if-none-match', 'x-ms-client-request-id']) {
            if (req.headers[h] !== undefined) headers[h] = req.headers[h];
        }
        await new Promise<void>((resolve, reject) => {
            const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: 'PUT', path: url.pathname + url.search, headers, agent }, (upRes) => {
                const status = upRes.statusCode ?? 502;
                res.writeHead(status, upRes.headers);
                upRes.pipe(res);
                upRes.on('end', () => { log.finish(entry, status, length); resolve(); });
                upRes.on('error', reject);
            });
            up.on('error', reject);
            up.end(read.body);
        });
    };

    /** A GET straight to Azurite (no faults, not logged): the diff reads both blobs with their own SAS. */
    const upstreamGet: UpstreamGet = (pathAndQuery, headers) => new Promise((resolve, reject) => {
        const upstreamPort = typeof upstream === 'number' ? upstream : upstream();
        const r = http.request({ host: '127.0.0.1', port: upstreamPort, method: 'GET', path: pathAndQuery, agent, headers: { 'x-ms-version': '2021-08-06', ...headers } }, (ur) => {
            const chunks: Buffer[] = [];
            ur.on('data', (c: Buffer) => chunks.push(c));
            ur.on('end', () => resolve({ status: ur.statusCode ?? 502, headers: ur.headers, body: Buffer.concat(chunks) }));
            ur.on('error', reject);
        });
        r.on('error', reject);
        r.end();
    });

    /** Get Page Ranges with prevsnapshoturl (snapshotDiff.ts): the previous snapshot's SAS and family checked here. */
    const pageDiff = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, entry: LoggedRequest): Promise<void> => {
        const fail = (status: number, code: string, message: string, detail?: string) => {
            sendError(res, status, code, message, `sandbox-${++seq}`, detail);
            log.finish(entry, status, 0);
        };
        const version = String(req.headers['x-ms-version'] ?? '');
        if (version < '2019-07-07') return fail(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid.', 'prevsnapshoturl needs x-ms-version 2019-07-07 or later.');
        let older: URL;
        try {
            older = new URL(url.searchParams.get('prevsnapshoturl') ?? '');
        } catch {
            return fail(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid.');
        }
        if (!/^(127\.0\.0\.1|localhost)$/.test(older.hostname) || Number(older.port) !== ownPort) return fail(409, 'PreviousSnapshotNotFound', 'The previous snapshot is not found.');
        const olderSig = older.searchParams.get('sig');
        const olderExpired = expiredDetail(older.searchParams);
        if (!olderSig || isRevoked(olderSig) || olderExpired) {
            return fail(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.', `prevsnapshoturl: ${olderExpired ?? (olderSig ? 'The access grant for this SAS has been revoked.' : 'no signature')}`);
        }
        const refusal = policy.diffRefusal?.(blobSubject(url.pathname), blobSubject(older.pathname));
        if (refusal) return fail(refusal.status, refusal.code, refusal.message);
        const range = (req.headers['x-ms-range'] ?? req.headers.range) as string | undefined;
        const request = { newer: url, older, range, marker: url.searchParams.get('marker') ?? undefined, maxResults: url.searchParams.get('maxresults') ?? undefined };
        const tracked = policy.trackedChanges?.(blobSubject(url.pathname), blobSubject(older.pathname));
        const answer = tracked ? await trackedDiff(upstreamGet, request, tracked) : await snapshotDiff(upstreamGet, request);
        if (!answer.ok) return fail(answer.status, answer.code, answer.message, answer.detail);
        const requestId = `sandbox-${++seq}`;
        res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(answer.xml), 'x-ms-request-id': requestId, 'x-ms-version': version, ...answer.headers });
        res.end(answer.xml);
        log.finish(entry, 200, Buffer.byteLength(answer.xml));
    };

    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const method = (req.method ?? 'GET').toUpperCase();
        const ranged = req.headers.range !== undefined || req.headers['x-ms-range'] !== undefined;
        const fault = faults.take(blobSubject(url.pathname), (r) => (r.method ?? 'GET').toUpperCase() === method && (!r.rangedOnly || ranged));
        const entry = log.start(method, url.pathname, ranged, fault?.action);
        const sig = url.searchParams.get('sig');
        const revoked = !fault && sig !== null && isRevoked(sig);
        const expired = !fault && sig !== null ? expiredDetail(url.searchParams) : undefined;

        const subject = blobSubject(url.pathname);
        const owner = policy.ownerOf(subject);
        const refusal = !fault && owner ? policy.admit?.(owner, req.headers.authorization) : undefined;
        if (refusal) {
            req.resume();
            sendError(res, refusal.status, refusal.code, refusal.message, `sandbox-${++seq}`, undefined, refusal.headers);
            log.finish(entry, refusal.status, 0);
            return;
        }
        // The bearer token is for the disk service, not for Azurite (which takes OAuth on https only).
        if (owner?.dataAccessAuthMode === 'AzureActiveDirectory') delete req.headers.authorization;

        if (fault?.action === 'status' || revoked || expired) {
            const status = fault ? fault.status ?? 503 : 403;
            const std = fault
                ? storageErrorFor(status)
                : { code: 'AuthenticationFailed', message: 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.' };
            const requestId = `sandbox-${++seq}`;
            const code = fault?.code ?? std.code;
            const body = errorXml(code, fault?.message ?? std.message, requestId, expired ?? (revoked ? 'The access grant for this SAS has been revoked.' : undefined));
            req.resume();
            res.writeHead(status, {
                'Content-Type': 'application/xml',
                'Content-Length': Buffer.byteLength(body),
                'x-ms-error-code': code,
                'x-ms-request-id': requestId,
                ...(status === 503 ? { 'Retry-After': '1' } : {}),
            });
            res.end(body);
            log.finish(entry, status, 0);
            return;
        }

        if (method === 'GET' && url.searchParams.get('comp') === 'pagelist' && url.searchParams.has('prevsnapshoturl')) {
            req.resume();
            const diff = () => void pageDiff(req, res, url, entry).catch(() => {
                if (!res.headersSent) sendError(res, 500, 'InternalError', 'The server encountered an internal error. Please retry the request.', `sandbox-${++seq}`);
                log.finish(entry, 500, 0);
            });
            if (fault?.action === 'delay') setTimeout(diff, Math.max(0, fault.delayMs ?? 1000));
            else if (fault?.action === 'reset' || fault?.action === 'truncate') {
                res.destroy();
                log.finish(entry, 0, 0);
            } else diff();
            return;
        }

        // A Put Blob (or Copy Blob) on a disk's blob would replace the blob the disk service made,
        // wiping what it set on it; Azure accepts it, the sandbox refuses it so such a client fails loudly.
        if (owner && method === 'PUT' && !url.searchParams.has('comp')) {
            req.resume();
            sendError(res, 403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.', `sandbox-${++seq}`, `Put Blob on the blob of managed ${owner.kind} '${owner.name}' is refused by the sandbox: it would recreate the disk's blob. Write with Put Page (comp=page).`);
            log.finish(entry, 403, 0);
            return;
        }

        if (method === 'PUT' && url.searchParams.get('comp') === 'page' && req.headers['x-ms-copy-source'] !== undefined) {
            // Done here, never forwarded (Azurite lacks it); a delay rule holds it back as it would any request.
            req.resume();
            const copy = () => void putPageFromUrl(req, res, url, entry).catch(() => {
                if (!res.headersSent) sendError(res, 500, 'InternalError', 'The server encountered an internal error. Please retry the request.', `sandbox-${++seq}`);
                log.finish(entry, 500, 0);
            });
            if (fault?.action === 'delay') setTimeout(copy, Math.max(0, fault.delayMs ?? 1000));
            else if (fault?.action === 'reset') {
                res.destroy();
                log.finish(entry, 0, 0);
            } else copy();
            return;
        }

        const forward = () => {
            const upstreamPort = typeof upstream === 'number' ? upstream : upstream();
            const headers = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
            const up = http.request({ host: '127.0.0.1', port: upstreamPort, method, path: req.url, headers, agent }, (upRes) => {
                const status = upRes.statusCode ?? 502;
                const outHeaders = { ...upRes.headers };
                const limit = fault && (fault.action === 'reset' || fault.action === 'truncate') ? Math.max(0, fault.afterBytes ?? 0) : Infinity;
                if (fault?.action === 'truncate') {
                    delete outHeaders['content-length'];
                    outHeaders.connection = 'close';
                }
                res.writeHead(status, outHeaders);
                let sent = 0;
                let cut = false;
                const stopAt = (then: () => void) => {
                    cut = true;
                    upRes.destroy();
                    then();
                    log.finish(entry, status, sent);
                };
                upRes.on('data', (chunk: Buffer) => {
                    if (cut) return;
                    if (sent + chunk.length >= limit) {
                        const part = chunk.subarray(0, limit - sent);
                        sent += part.length;
                        // Close only after the kernel has the bytes, so exactly `afterBytes` arrive.
                        res.write(part, () => stopAt(() => (fault!.action === 'reset' ? res.destroy() : res.end())));
                        return;
                    }
                    sent += chunk.length;
                    if (!res.write(chunk)) upRes.pause();
                });
                res.on('drain', () => upRes.resume());
                upRes.on('end', () => {
                    if (cut) return;
                    if (fault?.action === 'reset') {
                        // A response without a body (Put Page's 201) is cut before it completes:
                        // the client cannot tell whether the write landed.
                        res.destroy();
                        log.finish(entry, status, sent);
                        return;
                    }
                    res.end();
                    log.finish(entry, status, sent);
                });
                upRes.on('error', () => res.destroy());
            });
            up.on('error', () => {
                if (!res.headersSent) {
                    res.writeHead(502, { 'Content-Type': 'text/plain' });
                    res.end('storage upstream unavailable');
                } else {
                    res.destroy();
                }
                log.finish(entry, 502, 0);
            });
            req.pipe(up);
            res.on('close', () => { if (!res.writableFinished) up.destroy(); });
        };

        if (fault?.action === 'delay') setTimeout(forward, Math.max(0, fault.delayMs ?? 1000));
        else forward();
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    ownPort = port;
    return {
        port,
        log,
        stop: () => new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
            agent.destroy();
        }),
    };
}
