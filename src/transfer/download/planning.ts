/** The plan: the blob's properties and identity, its written ranges, and the ranges to fetch. */
import type { BlobProps, BlobEndpoint } from '../../blob/http';
import type { BlobIdentity } from '../core/journal';
import { httpPageListSource, listWrittenRanges } from '../../blob/listing';
import { mergeRanges, totalBytes, type ByteRange } from '../../blob/ranges';
import { TransferError, type DownloadOptions } from '../core/types';
import { blobIdentity, redactUrl, scrubSecrets } from '../../blob/url';
import type { BlobSession } from '../../blob/session';
import type { Settings } from './settings';

/** Page-range listing windows in flight at once. */
const LIST_PARALLEL = 32;

export interface Plan {
    props: BlobProps;
    size: number;
    identity: BlobIdentity;
    /** The written ranges, merged only where they touch: what is written to disk. */
    exact: ByteRange[];
    writtenBytes: number;
    /** The written ranges with small gaps merged: what is fetched. */
    ranges: ByteRange[];
    planBytes: number;
}

export async function planDownload(s: BlobSession, http: BlobEndpoint, opts: DownloadOptions, settings: Settings, notes: string[]): Promise<Plan> {
    const props: BlobProps = await s.withRetry('reading blob properties', (u) => http.head(u, s.signal));
    if (!Number.isSafeInteger(props.size) || props.size < 0) throw new TransferError('Server', 'The storage service did not report the blob size.');
    const size = props.size;
    const identity: BlobIdentity = opts.resumeKey
        ? { key: opts.resumeKey, size }
        : { key: blobIdentity(opts.url), size, etag: props.etag, lastModified: props.lastModified };
    const written = await writtenRanges(s, http, props, opts, settings, notes);
    const exact = mergeRanges(written, 0, size);
    const ranges = mergeRanges(written, settings.mergeGap, size);
    return { props, size, identity, exact, writtenBytes: totalBytes(exact), ranges, planBytes: totalBytes(ranges) };
}

/** The written ranges of a page blob, or the whole blob (a block blob, or when listing fails). */
async function writtenRanges(s: BlobSession, http: BlobEndpoint, props: BlobProps, opts: DownloadOptions, settings: Settings, notes: string[]): Promise<ByteRange[]> {
    const t = opts.tuning ?? {};
    const size = props.size;
    const whole = size > 0 ? [{ start: 0, end: size }] : [];
    if (props.blobType !== 'PageBlob' && props.blobType !== undefined) {
        s.log(`${props.blobType} ${redactUrl(s.url)}: downloading the whole blob`);
        return whole;
    }
    try {
        // Each attempt lists with the URL withRetry hands it (a re-grant changes it).
        let listUrl = s.url;
        const source = httpPageListSource(http, () => listUrl);
        return await listWrittenRanges(
            source,
            { size, window: t.listWindow, maxPageSize: t.listPageSize, parallel: Math.min(LIST_PARALLEL, settings.concurrency), signal: s.signal },
            (fn) => s.withRetry('listing page ranges', (u) => {
                listUrl = u;
                return fn();
            }),
        );
    } catch (e) {
        if (e instanceof TransferError && e.code !== 'Server' && e.code !== 'Network') throw e;
        notes.push('Page ranges could not be listed; downloading the whole blob.');
        s.log(`page ranges of ${redactUrl(s.url)} could not be listed (${scrubSecrets((e as Error).message)}); downloading the whole blob`);
        return whole;
    }
}
