/** URL hygiene for SAS URLs: never show the query, refuse plain http off loopback. */
import { isSecureOrLoopback } from '../shared/loopback';
import { redactUrl, scrubSecrets } from '../shared/secrets';
import { TransferError } from './errors';

export { redactUrl, scrubSecrets };

/** Throws InsecureUrl unless the URL is https, or http to a loopback host. */
export function assertSecureUrl(url: string): URL {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new TransferError('InsecureUrl', 'The download URL is not a valid URL.');
    }
    if (isSecureOrLoopback(u)) return u;
    throw new TransferError('InsecureUrl', `Refusing to download over ${u.protocol.replace(':', '')} from ${u.host}: only https (or http on a loopback address) is allowed.`);
}

/** True when the SAS `se=` (expiry) parameter lies in the past. */
export function sasExpiredByClock(url: string, now = Date.now()): boolean {
    try {
        const se = new URL(url).searchParams.get('se');
        if (!se) return false;
        const t = Date.parse(se);
        return Number.isFinite(t) && t <= now;
    } catch {
        return false;
    }
}

/** The blob's identity without secrets: origin + path. */
export function blobIdentity(url: string): string {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
}
