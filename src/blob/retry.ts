/** Which failures are worth another try, and how long to wait. */
import { BodyError, HttpStatusError, Md5MismatchError, TransferError } from './errors';
import { sasExpiredByClock } from './url';

export type Verdict =
    | { kind: 'retry'; delayMs?: number }
    | { kind: 'regrant' }
    | { kind: 'fatal'; error: Error };

const RETRYABLE_NET = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE', 'EBODY', 'EMD5']);

export function classify(err: unknown, url: string): Verdict {
    if (err instanceof TransferError) return { kind: 'fatal', error: err };
    if (err instanceof HttpStatusError) {
        const s = err.status;
        // Entra-ID-protected disks: no token, or one the service did not accept (the token is renewed before it expires).
        if (s === 401) return { kind: 'fatal', error: new TransferError('Unauthorized', `The storage service asked for a valid Entra ID token (401${err.errorCode ? ` ${err.errorCode}` : ''}).`) };
        if (s === 403) {
            if (err.errorCode === 'AuthenticationFailed' || sasExpiredByClock(url)) return { kind: 'regrant' };
            // Network rules (networkAccessPolicy AllowPrivate or DenyAll): a new SAS would be refused too.
            if (err.errorCode === 'AuthorizationFailure') return { kind: 'fatal', error: new TransferError('NetworkRefused', 'The storage service refused the request from this network (403 AuthorizationFailure).') };
            return { kind: 'fatal', error: new TransferError('Forbidden', `Access denied (403${err.errorCode ? ` ${err.errorCode}` : ''}).`) };
        }
        if (s === 404) return { kind: 'fatal', error: new TransferError('NotFound', 'The blob was not found (404); the access grant may have been revoked.') };
        if (s === 408 || s === 429 || s >= 500) return { kind: 'retry', delayMs: err.retryAfterMs };
        return { kind: 'fatal', error: new TransferError('Server', `The storage service refused the request (${err.message}).`) };
    }
    if (err instanceof BodyError || err instanceof Md5MismatchError) return { kind: 'retry' };
    const code = (err as { code?: string })?.code;
    if (code && RETRYABLE_NET.has(code)) return { kind: 'retry' };
    if ((err as Error)?.message === 'socket hang up') return { kind: 'retry' };
    // Certificate and other local errors: retrying does not help.
    return { kind: 'fatal', error: new TransferError('Network', `Network error${code ? ` (${code})` : ''}.`) };
}

export interface BackoffOptions {
    baseDelayMs: number;
    maxDelayMs: number;
}

/** Exponential backoff with jitter (half fixed, half random); a server's Retry-After wins when longer. */
export function backoffDelay(attempt: number, o: BackoffOptions, retryAfterMs?: number, random = Math.random): number {
    const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.min(attempt, 20));
    const jittered = cap / 2 + random() * (cap / 2);
    return retryAfterMs !== undefined ? Math.max(retryAfterMs, Math.min(jittered, retryAfterMs + o.baseDelayMs)) : jittered;
}
