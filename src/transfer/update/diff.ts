/**
 * What changed between two incremental snapshots, as the service lists it: Get Page Ranges on the
 * newer snapshot's SAS with the older one's SAS as prevsnapshoturl, paged and windowed, updated
 * and cleared ranges both kept. Two SAS can expire here; a refusal says which only by asking the
 * older one, so the right one is re-granted.
 */
import { HttpStatusError, TransferError } from '../../blob/errors';
import type { BlobEndpoint } from '../../blob/http';
import { httpPageListSource, listPages } from '../../blob/listing';
import { mergeRanges, type ByteRange } from '../../blob/ranges';
import type { BlobSession } from '../../blob/session';
import { sasExpiredByClock } from '../../blob/url';

export interface Diff {
    updated: ByteRange[];
    cleared: ByteRange[];
    requests: number;
}

const isAuthRefusal = (e: unknown) => e instanceof HttpStatusError && e.status === 403 && e.errorCode === 'AuthenticationFailed';

/** The diff refusals that no re-grant mends: the two are not snapshots of one family, or the wrong way round. */
function refusal(e: unknown): TransferError | undefined {
    if (!(e instanceof HttpStatusError)) return undefined;
    switch (e.errorCode) {
        case 'PreviousSnapshotNotFound':
        case 'PreviousSnapshotOperationNotSupported':
            return new TransferError('BlobChanged', `The service cannot list the changes between these two snapshots (${e.errorCode}): both must be incremental snapshots of the same disk, without a resize across 4 TiB between them. Download the newer snapshot in full instead.`);
        case 'PreviousSnapshotCannotBeNewer':
            return new TransferError('BlobChanged', 'The snapshot the file holds is newer than the one to update it to.');
        case 'InvalidQueryParameterValue':
            return e.status === 400 ? new TransferError('Server', 'The service does not list changes between snapshots here (managed disk snapshots only).') : undefined;
        default:
            return undefined;
    }
}

/** Whether the older snapshot's SAS (the one a refused listing carried) no longer works. */
async function olderExpired(older: BlobSession, ep: BlobEndpoint, used: string): Promise<boolean> {
    if (used !== older.url || sasExpiredByClock(used)) return true;
    try {
        await ep.head(used, older.signal);
        return false;
    } catch (e) {
        return isAuthRefusal(e);
    }
}

export async function listDiff(newer: BlobSession, older: BlobSession, ep: BlobEndpoint, size: number, opts: { window?: number; maxPageSize?: number }): Promise<Diff> {
    let requests = 0;
    const source = httpPageListSource(ep, () => newer.url, () => older.url);
    const page = async <T>(fn: () => Promise<T>): Promise<T> => {
        for (;;) {
            const usedNewer = newer.url, usedOlder = older.url;
            try {
                return await newer.withRetry('listing the changes', () => (requests++, fn()), (e) => isAuthRefusal(e) || refusal(e) !== undefined);
            } catch (e) {
                const fatal = refusal(e);
                if (fatal) throw fatal;
                if (!isAuthRefusal(e)) throw e;
                if (await olderExpired(older, ep, usedOlder)) await older.regrant(usedOlder);
                else await newer.regrant(usedNewer);
            }
        }
    };
    const diff = await listPages(source, { size, window: opts.window, maxPageSize: opts.maxPageSize, signal: newer.signal }, page);
    return { updated: mergeRanges(diff.updated, 0, size), cleared: mergeRanges(diff.cleared, 0, size), requests };
}
