/**
 * Masked display of SAS URLs: scheme, host, path and parameter names stay visible, the signature
 * never does. Expiry and start times stay readable because users need them. No vscode import.
 */

export const MASK = '••••';

/** Parameters whose values are shown as-is: times, version, permissions, resource type. */
const VISIBLE_PARAMS = new Set(['sv', 'se', 'st', 'sp', 'sr', 'spr', 'skt', 'ske', 'sks', 'skv']);

/**
 * `https://host/container/blob?sv=2018-03-28&sr=b&sig=••••&se=…`. Anything not in the visible
 * list (sig, sk*, oids, unknown parameters) is masked. Input that is not a URL is masked whole,
 * since it might be nothing but a signature.
 */
export function maskSasUrl(url: string): string {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        return MASK;
    }
    if (u.username || u.password) {
        u.username = '';
        u.password = '';
    }
    const base = `${u.protocol}//${u.host}${u.pathname}`;
    const query = u.search.startsWith('?') ? u.search.slice(1) : u.search;
    if (!query) return base;
    const parts = query.split('&').filter((p) => p.length > 0).map((pair) => {
        const eq = pair.indexOf('=');
        const rawName = eq < 0 ? pair : pair.slice(0, eq);
        const name = safeDecode(rawName);
        if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name)) return MASK;
        if (eq < 0) return name;
        const value = safeDecode(pair.slice(eq + 1));
        return VISIBLE_PARAMS.has(name.toLowerCase()) && /^[A-Za-z0-9:._+,-]{0,64}$/.test(value) ? `${name}=${value}` : `${name}=${MASK}`;
    });
    return `${base}?${parts.join('&')}`;
}

/** The `se=` expiry of a SAS URL, if present and parseable. */
export function sasExpiry(url: string): Date | undefined {
    try {
        const se = new URL(url).searchParams.get('se');
        if (!se) return undefined;
        const t = Date.parse(se);
        return Number.isFinite(t) ? new Date(t) : undefined;
    } catch {
        return undefined;
    }
}

function safeDecode(s: string): string {
    try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
        return s;
    }
}
