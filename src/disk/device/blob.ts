/**
 * A disk's blob (a SAS URL from Grant Access, or any page blob) as a cached block device. Every
 * request goes through the blob layer: its endpoint speaks HTTP, its session retries, re-grants an
 * expired SAS and carries the Entra ID token. The page-range map is listed once, so reads of pages
 * that were never written are answered as zeros without a request.
 */
import { BlobEndpoint, type Authorization } from '../../blob/http';
import { httpPageListSource, listWrittenRanges } from '../../blob/listing';
import { BlobSession } from '../../blob/session';
import { ByteRange, CacheOptions, CachedDevice, DeviceSource, cachedDevice } from './cached';

export interface BlobDeviceOptions {
    /** The SAS URL (a secret: never logged). */
    url: string;
    /** A fresh SAS for the same blob when the grant expired. */
    refreshUrl?: () => Promise<string>;
    /** The bearer token of a disk whose export needs Entra ID. */
    authorization?: Authorization;
    signal?: AbortSignal;
    log?: (message: string) => void;
    cache?: CacheOptions;
    /** Connections at most (default 8: browsing reads little at a time). */
    connections?: number;
}

export interface BlobDevice extends CachedDevice {
    /** The blob type the service reported (`PageBlob` for a disk). */
    readonly blobType?: string;
    /** Stops every request and closes the connections. */
    close(): void;
}

/** Get Page Ranges windows: a large, fragmented disk lists in slices, up to four at once. */
const LIST_WINDOW = 64 * 1024 * 1024 * 1024;
const LIST_PARALLEL = 4;

export async function openBlobDevice(opts: BlobDeviceOptions): Promise<BlobDevice> {
    const session = new BlobSession({ url: opts.url, refreshUrl: opts.refreshUrl, signal: opts.signal, log: opts.log, role: 'the disk' });
    const endpoint = new BlobEndpoint(opts.connections ?? 8, 60_000, opts.authorization);
    const close = () => {
        session.close();
        endpoint.destroy();
    };
    // Every HTTP request counts, retries, the HEAD and the listing included.
    let requests = 0;
    const counted = <T>(fn: () => Promise<T>): Promise<T> => {
        requests++;
        return fn();
    };
    try {
        const props = await session.withRetry('reading the disk\'s properties', (u) => counted(() => endpoint.head(u, session.signal)));
        session.progressed();
        const size = props.size;
        const source: DeviceSource = {
            size,
            fetch: async (start, end) => {
                const bytes = await session.withRetry(`reading bytes ${start}-${end - 1}`, (u) => counted(() => endpoint.readRange(u, start, end, session.signal)));
                session.progressed();
                return bytes;
            },
        };
        // Only a page blob has a page-range map; a block blob is read as it is.
        if (props.blobType === undefined || props.blobType === 'PageBlob') source.dataRanges = () => listRanges(session, endpoint, size, counted);
        const dev = cachedDevice(source, opts.cache);
        const cacheStats = dev.stats.bind(dev);
        const stats = () => ({ requests, bytesFetched: cacheStats().bytesFetched });
        return Object.assign(dev, { blobType: props.blobType, close, stats });
    } catch (e) {
        close();
        throw e;
    }
}

/**
 * The written ranges, each page of the listing through the session's retry (a re-grant resumes at
 * the same continuation token). A listing the service refuses for good leaves every byte to be
 * read: slower, never wrong; a cancel or an expired grant still ends the read.
 */
async function listRanges(session: BlobSession, endpoint: BlobEndpoint, size: number, counted: <T>(fn: () => Promise<T>) => Promise<T>): Promise<ByteRange[]> {
    const source = httpPageListSource(endpoint, () => session.url);
    try {
        const ranges = await listWrittenRanges(source, { size, window: LIST_WINDOW, parallel: Math.min(LIST_PARALLEL, Math.ceil(size / LIST_WINDOW)), signal: session.signal }, (fn) => session.withRetry('listing the disk\'s written ranges', () => counted(fn)));
        session.progressed();
        return ranges;
    } catch (e) {
        const code = (e as { code?: string }).code;
        if (session.signal.aborted || code === 'SasExpired' || code === 'Cancelled' || code === 'Unauthorized' || code === 'NetworkRefused') throw e;
        session.log(`the written ranges could not be listed (${(e as Error).message}); reading every byte`);
        return [{ start: 0, end: size }];
    }
}
