/**
 * A resource's ARM JSON for reading: indented, with anything that could be a secret taken out.
 * ARM's GET of a disk carries no SAS, but a grant's answer does, and a future API version might
 * echo one; so SAS-bearing keys are dropped and every string goes through scrubSecrets.
 */
import { scrubSecrets } from './secrets';

/** Keys whose values are SAS URLs (AccessUri) or tokens. */
const SECRET_KEYS = /^(accessSAS|accessSas|securityDataAccessSAS|securityMetadataAccessSAS|sasUri|.*token)$/i;

function clean(value: unknown, depth: number): unknown {
    if (depth > 32) return '…';
    if (typeof value === 'string') return scrubSecrets(value);
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
    if (value && typeof value === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (SECRET_KEYS.test(k)) continue;
            out[k] = clean(v, depth + 1);
        }
        return out;
    }
    return value;
}

export function renderProperties(resource: unknown): string {
    return `${JSON.stringify(clean(resource, 0), null, 4)}\n`;
}
