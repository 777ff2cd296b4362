/**
 * Milliseconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Anything else, or no header, is undefined. A date in the past waits 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
    const v = (Array.isArray(value) ? value[0] : value)?.trim();
    if (!v) return undefined;
    if (/^\d+$/.test(v)) return Number(v) * 1000;
    // An HTTP date starts with the day's name; "1.5", "-3", "3s" are neither form.
    if (!/^[A-Za-z]/.test(v)) return undefined;
    const t = Date.parse(v);
    return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}
