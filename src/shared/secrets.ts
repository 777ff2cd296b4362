/**
 * SAS URLs and tokens are secrets: the one place that hides them, for logs and error messages
 * (redactUrl, scrubSecrets) and for display (maskSasUrl: scheme, host, path and parameter names
 * stay visible, the signature never does; expiry and start times stay readable because users
 * need them, in the URL's own percent-encoded form). No imports.
 */

export const MASK = '••••';

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
    u.username = '';
    u.password = '';
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
    // host, not origin+userinfo: a user:password in the URL never shows.
    const base = `${u.protocol}//${u.host}${u.pathname}`;
    const query = u.search.slice(1);
    if (!query) return base;
    const parts = query.split('&').filter((p) => p.length > 0).map((pair) => {
        const eq = pair.indexOf('=');
        // Stryker disable next-line EqualityOperator: at eq = 0 both ways give a name that fails the name rule below.
        const rawName = eq < 0 ? pair : pair.slice(0, eq);
        const name = safeDecode(rawName);
        if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name)) return MASK;
        // Stryker disable next-line EqualityOperator: eq = 0 (an empty name) was masked just above.
        if (eq < 0) return name;
        const raw = pair.slice(eq + 1);
        // Shown as the URL carries it (percent-encoded), so the masked URL and the copied one read alike.
        return VISIBLE_PARAMS.has(name.toLowerCase()) && /^[A-Za-z0-9:._+,-]{0,64}$/.test(safeDecode(raw)) && /^[A-Za-z0-9%:._+,-]{0,96}$/.test(raw) ? `${name}=${raw}` : `${name}=${MASK}`;
    });
    return `${base}?${parts.join('&')}`;
}

/** The `se=` expiry of a SAS URL, if present and parseable. */
export function sasExpiry(url: string): Date | undefined {
    if (!URL.canParse(url)) return undefined;
    const se = new URL(url).searchParams.get('se');
    // Stryker disable next-line ConditionalExpression: without it, Date.parse('') and Date.parse(null) are NaN, which also gives undefined.
    if (!se) return undefined;
    const t = Date.parse(se);
    return Number.isFinite(t) ? new Date(t) : undefined;
}

function safeDecode(s: string): string {
    try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
        return s;
    }
}
