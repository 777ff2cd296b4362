/**
 * Unfinished transfers (downloads, uploads, copies), recorded in the extension's state so a window
 * reload can offer to resume them. One store for all three and one guard: a record never holds a
 * URL, SAS signature or token. Each feature brings its record's shape (what a loaded record must
 * look like, which fields a new one keeps, which field keys it). No vscode import: the state is
 * any Memento-like object.
 */
import * as l10n from '@vscode/l10n';
import type { Logger } from './logger';

export interface MementoLike {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

/** One feature's records. */
export interface PendingKind<T> {
    /** Names the records in logs: 'download', 'upload', 'copy'. */
    name: string;
    /** Whether a loaded value is a usable record (state written by older versions may not be). */
    isValid(v: unknown): v is T;
    /** A copy with the known fields only, so nothing else (like a grant's URLs) can ride along. */
    clean(rec: T): T;
    /** The record's key, compared case-insensitively: a new record replaces the one with its key. */
    keyOf(rec: T): string;
}

/** A URL (records hold ids and local paths, never one), a SAS signature, a bearer token or a JWT. */
const SECRET = [/https?:\/\//i, /\bsig(?:=|%3d)/i, /\bbearer\s/i, /\beyJ[\w-]{8,}\.[\w-]{8,}\./];

/** Where in `value` something looks like a URL or secret (e.g. `paths.disk`), or undefined. */
export function secretAt(value: unknown, at = ''): string | undefined {
    if (typeof value === 'string') return SECRET.some((re) => re.test(value)) ? at || '(value)' : undefined;
    if (typeof value !== 'object' || value === null) return undefined;
    for (const [k, v] of Object.entries(value)) {
        // A key can carry a secret as well as a value can; then the key is not named.
        if (SECRET.some((re) => re.test(k))) return at ? `${at}.<key>` : '<key>';
        const found = secretAt(v, at ? `${at}.${k}` : k);
        if (found) return found;
    }
    return undefined;
}

export function containsSecret(value: unknown): boolean {
    return secretAt(value) !== undefined;
}

/** The guard every record passes before it is stored: throws (and logs the field, never its value). */
export function refuseSecrets<T>(name: string, rec: T, log?: Pick<Logger, 'warn'>): T {
    const field = secretAt(rec);
    if (field === undefined) return rec;
    log?.warn(`Not recording the unfinished ${name}: its field ${field} looks like a URL or secret.`);
    throw new Error(l10n.t('A record of an unfinished transfer must not contain a URL or secret.'));
}

const sameKey = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Records of one kind under one state key, one per key. */
export class PendingStore<T> {
    constructor(
        private readonly memento: MementoLike,
        private readonly stateKey: string,
        protected readonly kind: PendingKind<T>,
        private readonly log?: Pick<Logger, 'warn'>,
    ) {}

    /** The stored records that are valid and hold no secret; anything else is ignored. */
    all(): T[] {
        const raw = this.memento.get<unknown>(this.stateKey);
        return Array.isArray(raw) ? raw.filter((v): v is T => this.kind.isValid(v) && !containsSecret(v)) : [];
    }

    get(key: string): T | undefined {
        return this.all().find((r) => sameKey(this.kind.keyOf(r), key));
    }

    /** Records `rec` (its known fields only), replacing the record with the same key. */
    async put(rec: T): Promise<void> {
        const clean = refuseSecrets(this.kind.name, this.kind.clean(rec), this.log);
        const key = this.kind.keyOf(clean);
        await this.write([...this.all().filter((r) => !sameKey(this.kind.keyOf(r), key)), clean]);
    }

    async remove(key: string): Promise<void> {
        await this.write(this.all().filter((r) => !sameKey(this.kind.keyOf(r), key)));
    }

    /** Writes only on a change; no records clears the key. */
    private async write(next: T[]): Promise<void> {
        if (JSON.stringify(next) === JSON.stringify(this.all())) return;
        await this.memento.update(this.stateKey, next.length ? next : undefined);
    }
}
