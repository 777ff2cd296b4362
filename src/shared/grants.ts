/** Rules about a grant that need no service: which blobs it has, when it expires, how to ask for the same again. */
import { BLOB_KINDS, type BlobKind, type Grant, type GrantRequest } from './types';

/** The blobs of a grant to fetch: the requested ones that the grant has a URL for, in a stable order. */
export function blobsToDownload(urls: Grant['urls'], requested?: readonly BlobKind[]): BlobKind[] {
    return BLOB_KINDS.filter((k) => typeof urls[k] === 'string' && urls[k] !== '' && (!requested || requested.includes(k)));
}

export function isExpired(g: Grant, now = Date.now()): boolean {
    return g.expiresAt.getTime() <= now;
}

/**
 * A Write grant this window holds that will last long enough to start on (a minute): the one
 * upload and copy write with, since Azure gives no second Write grant while one lasts.
 */
export function isLiveWriteGrant(g: Grant | undefined, now = Date.now()): g is Grant {
    return !!g && g.access === 'Write' && g.expiresAt.getTime() > now + 60_000;
}

/** Seconds between grant and expiry, to ask for the same duration again. */
export function grantDurationSeconds(g: { grantedAt: Date; expiresAt: Date }): number {
    const s = Math.round((g.expiresAt.getTime() - g.grantedAt.getTime()) / 1000);
    return Math.min(Math.max(s, 60), 5_184_000);
}

/** The non-secret shape of a grant, enough to request an identical one. */
export type GrantPreset = Partial<GrantRequest>;

export function presetOf(g: Grant): GrantPreset {
    return {
        access: g.access,
        durationInSeconds: grantDurationSeconds(g),
        fileFormat: g.fileFormat,
        getSecureVMGuestStateSAS: g.urls.vmgs !== undefined || g.urls.vmmd !== undefined,
    };
}
