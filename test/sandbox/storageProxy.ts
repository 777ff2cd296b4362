/**
 * A streaming HTTP proxy in front of Azurite. It is where storage faults happen (connection cut
 * mid-body, truncated body, delay, 403/500/503) and where requests are counted. The happy path is
 * a plain pipe with a byte counter, so it does not slow the benchmark down.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { storageErrorFor, type FaultList, type StorageFault } from './faults';
import { RequestLog } from './requestLog';

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
}

export interface StoragePolicy {
    /** The disk/snapshot whose blob "container/blob" is, if any. */
    ownerOf(subject: string): BlobOwner | undefined;
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

    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const method = (req.method ?? 'GET').toUpperCase();
        const ranged = req.headers.range !== undefined || req.headers['x-ms-range'] !== undefined;
        const fault = faults.take(blobSubject(url.pathname), (r) => (r.method ?? 'GET').toUpperCase() === method && (!r.rangedOnly || ranged));
        const entry = log.start(method, url.pathname, ranged, fault?.action);
        const sig = url.searchParams.get('sig');
        const revoked = !fault && sig !== null && isRevoked(sig);
        const expired = !fault && sig !== null ? expiredDetail(url.searchParams) : undefined;

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

        const subject = blobSubject(url.pathname);
        const owner = policy.ownerOf(subject);
        // A Put Blob (or Copy Blob) on a disk's blob would replace the blob the disk service made,
        // wiping what it set on it; Azure accepts it, the sandbox refuses it so such a client fails loudly.
        if (owner && method === 'PUT' && !url.searchParams.has('comp')) {
            req.resume();
            sendError(res, 403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.', `sandbox-${++seq}`, `Put Blob on the blob of managed ${owner.kind} '${owner.name}' is refused by the sandbox: it would recreate the disk's blob. Write with Put Page (comp=page).`);
            log.finish(entry, 403, 0);
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
