/**
 * The one rule for where plain http is acceptable: loopback hosts only — localhost, [::1] and
 * 127.0.0.0/8 written as four decimal octets. `127.0.0.1.example.com` is not loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
    const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (h === 'localhost' || h === '::1') return true;
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
    return !!m && m[1] === '127' && m.slice(2).every((o) => Number(o) <= 255);
}

/** https anywhere, or http to a loopback host. */
export function isSecureOrLoopback(url: URL): boolean {
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
