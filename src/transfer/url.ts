/** URL hygiene for SAS URLs: never show the query, refuse plain http off loopback. */
import { TransferError } from './types';

/** Only the signature is secret, but masking every SAS field keeps a pasted URL from being replayed or fingerprinted. */
const SECRET_PARAMS = /\b((?:sig|se|st|skoid|sktid|skt|ske|sks|skv|sv|sp|sr|spr|sip)=)[^&#\s"']*/gi;

/**
 * A URL safe for logs and error messages: the query is removed. Pass `{ keepParams: true }` to
 * keep parameter names with masked values, e.g. `?sv=***&sig=***`. Non-URL input is scrubbed of
 * anything that looks like a `sig=` value.
 */
export function redactUrl(url: string, opts: { keepParams?: boolean } = {}): string {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        return url.replace(/(sig=)[^&\s"']*/gi, '$1***');
    }
    if (!u.search) return u.toString();
    if (!opts.keepParams) return `${u.origin}${u.pathname}`;
    const names = [...u.searchParams.keys()];
    return `${u.origin}${u.pathname}?${names.map((n) => `${n}=***`).join('&')}`;
}

/** Removes any `sig=` value from free text (error messages of lower layers may echo a URL). */
export function scrubSecrets(text: string): string {
    return text
        .replace(/https?:\/\/[^\s"'<>]+\?[^\s"'<>]*/gi, (m) => redactUrl(m))
        .replace(SECRET_PARAMS, '$1***')
        .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***');
}

export function isLoopbackHost(hostname: string): boolean {
    const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Throws InsecureUrl unless the URL is https, or http to a loopback host. */
export function assertSecureUrl(url: string): URL {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new TransferError('InsecureUrl', 'The download URL is not a valid URL.');
    }
    if (u.protocol === 'https:') return u;
    if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return u;
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
