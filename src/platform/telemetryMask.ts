/** Keeps names, ids and secrets out of telemetry. Pure: no vscode import. */
import { createHash } from 'node:crypto';
import { scrubSecrets } from '../shared/secrets';

/** A stable, non-reversible stand-in for an id (lower-cased first, as ARM ids compare that way). */
export function hashId(value: string): string {
    return createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 16);
}

const GUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ARM_ID = /\/subscriptions\/[^\s"'?#]+/gi;
const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/g;
const LOCAL_PATH = /(?:[A-Za-z]:\\|\/(?:home|Users|root|tmp|work|var)\/)[^\s"']*/g;

/** Free text made safe for telemetry: no SAS, token, ARM id, GUID, e-mail or local path in clear. */
export function maskText(text: string): string {
    return scrubSecrets(text)
        .replace(ARM_ID, (m) => `<id:${hashId(m)}>`)
        .replace(GUID, (m) => `<guid:${hashId(m)}>`)
        .replace(EMAIL, '<email>')
        .replace(LOCAL_PATH, '<path>');
}

export function maskProperties(props: Record<string, string | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) {
        if (v !== undefined) out[k] = maskText(String(v)).slice(0, 1000);
    }
    return out;
}
