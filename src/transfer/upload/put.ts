/**
 * Put Page over keep-alive connections (node:http/https, one Agent with maxSockets = N). Only ever
 * `?comp=page` with `x-ms-page-write: update`: a Put Blob on a disk's blob would recreate it and
 * wipe what the disk service set on it.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { authHeaders, header, HttpStatusError, keepAliveAgents, parseRetryAfter, STORAGE_VERSION, type Authorization } from '../../blob/http';

export class PageWriter {
    private readonly httpAgent: http.Agent;
    private readonly httpsAgent: https.Agent;

    constructor(connections: number, private readonly idleTimeoutMs: number, private readonly auth?: Authorization) {
        ({ http: this.httpAgent, https: this.httpsAgent } = keepAliveAgents(connections));
    }

    /** Writes `body` at blob offset `start` (both 512-aligned, body ≤ 4 MiB) with its Content-MD5. */
    async put(url: string, start: number, body: Buffer, md5: string, signal?: AbortSignal): Promise<void> {
        const u = new URL(url);
        const auth = await authHeaders(this.auth);
        u.searchParams.set('comp', 'page');
        const secure = u.protocol === 'https:';
        const mod = secure ? https : http;
        const headers = {
            'x-ms-version': STORAGE_VERSION,
            ...auth,
            'x-ms-page-write': 'update',
            'x-ms-range': `bytes=${start}-${start + body.length - 1}`,
            'content-length': String(body.length),
            'content-md5': md5,
        };
        return new Promise<void>((resolve, reject) => {
            const req = mod.request(u, { method: 'PUT', agent: secure ? this.httpsAgent : this.httpAgent, headers, signal });
            req.setTimeout(this.idleTimeoutMs, () => req.destroy(Object.assign(new Error('socket idle timeout'), { code: 'ETIMEDOUT' })));
            req.once('error', reject);
            req.once('response', (res) => {
                res.resume();
                res.once('error', reject);
                res.once('end', () => {
                    if (res.statusCode === 201) resolve();
                    else reject(new HttpStatusError(res.statusCode ?? 0, header(res, 'x-ms-error-code'), parseRetryAfter(res.headers['retry-after'])));
                });
            });
            req.end(body);
        });
    }

    destroy(): void {
        this.httpAgent.destroy();
        this.httpsAgent.destroy();
    }
}
