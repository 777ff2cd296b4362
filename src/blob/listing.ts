/**
 * Lists a page blob's written ranges (Get Page Ranges), paginated and windowed: directly over the
 * engine's keep-alive connections (no SDK to load on the download path), or through
 * @azure/storage-blob.
 */
import type { HttpRanges } from './http';
import type { ByteRange } from './ranges';

/** Listing window: very large disks are listed in slices, as the service recommends for big, fragmented blobs. */
export const DEFAULT_LIST_WINDOW = 256 * 1024 * 1024 * 1024;

export interface ListOptions {
    size: number;
    window?: number;
    /** Page size hint (maxresults); the service may return fewer. */
    maxPageSize?: number;
    signal?: AbortSignal;
    /** Windows listed at once (default 1); above 1 the blob is cut into at least this many windows. */
    parallel?: number;
    /** Called with the continuation state so a caller can resume listing after re-granting a SAS. */
    onPage?: (info: { window: number; pages: number; ranges: number }) => void;
}

export interface PageListSource {
    /** One page of ranges of the window [offset, offset+count), inclusive ends as the service reports them. */
    page(offset: number, count: number, continuationToken: string | undefined, maxPageSize: number | undefined, signal?: AbortSignal): Promise<{ ranges: { start: number; end: number }[]; continuationToken?: string }>;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e]);

/** Parses a Get Page Ranges answer: PageRange elements (inclusive ends) and NextMarker. ClearRange elements are not written data. */
export function parsePageList(xml: string): { ranges: { start: number; end: number }[]; continuationToken?: string } {
    const ranges: { start: number; end: number }[] = [];
    const re = /<PageRange>\s*<Start>(\d+)<\/Start>\s*<End>(\d+)<\/End>\s*<\/PageRange>/g;
    for (let m = re.exec(xml); m; m = re.exec(xml)) ranges.push({ start: Number(m[1]), end: Number(m[2]) });
    const next = /<NextMarker>([^<]*)<\/NextMarker>/.exec(xml)?.[1];
    return { ranges, continuationToken: next ? unescapeXml(next) : undefined };
}

/** A PageListSource over the engine's own connections; `url()` gives the current SAS URL (it may be re-granted). */
export function httpPageListSource(http: HttpRanges, url: () => string): PageListSource {
    return {
        async page(offset, count, token, maxPageSize, signal) {
            const u = new URL(url());
            u.searchParams.set('comp', 'pagelist');
            if (token) u.searchParams.set('marker', token);
            if (maxPageSize) u.searchParams.set('maxresults', String(maxPageSize));
            return parsePageList(await http.text(u.toString(), { 'x-ms-range': `bytes=${offset}-${offset + count - 1}` }, signal));
        },
    };
}

/** A PageListSource over the SDK's PageBlobClient.listPageRanges(...).byPage(). */
export async function sdkPageListSource(url: string): Promise<PageListSource> {
    const { PageBlobClient, AnonymousCredential } = await import('@azure/storage-blob');
    const client = new PageBlobClient(url, new AnonymousCredential(), {
        // Our own loop retries with SAS re-grant; keep the SDK's retries short.
        retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
        userAgentOptions: { userAgentPrefix: 'azure-managed-disks' },
    });
    return {
        async page(offset, count, token, maxPageSize, signal) {
            const it = client.listPageRanges(offset, count, { abortSignal: signal }).byPage({ continuationToken: token, maxPageSize });
            const r = await it.next();
            if (r.done || !r.value) return { ranges: [] };
            const page = r.value;
            return {
                ranges: (page.pageRange ?? []).map((x) => ({ start: x.start, end: x.end })),
                continuationToken: page.continuationToken || undefined,
            };
        },
    };
}

/**
 * All written ranges of the blob as half-open byte ranges, following NextMarker continuation
 * within each window. `retryPage` wraps each page call (re-grant, backoff) so a failure resumes
 * at the same continuation token instead of starting over.
 */
export async function listWrittenRanges(
    source: PageListSource,
    opts: ListOptions,
    retryPage: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<ByteRange[]> {
    // With `parallel` > 1 the blob is cut into at least that many windows, listed that many at a
    // time: a fragmented disk's thousands of ranges come in many pages, and one page after
    // another costs a round trip each.
    const parallel = Math.max(1, Math.floor(opts.parallel ?? 1));
    let window = Math.max(512, opts.window ?? DEFAULT_LIST_WINDOW);
    if (parallel > 1) window = Math.max(512, Math.min(window, Math.ceil(opts.size / parallel / 512) * 512));
    const windows: ByteRange[] = [];
    for (let offset = 0; offset < opts.size; offset += window) windows.push({ start: offset, end: Math.min(opts.size, offset + window) });
    const found: ByteRange[][] = windows.map(() => []);
    let pages = 0, ranges = 0, next = 0;
    const lister = async () => {
        for (let w = next++; w < windows.length; w = next++) {
            const offset = windows[w].start, count = windows[w].end - offset;
            let token: string | undefined;
            do {
                opts.signal?.throwIfAborted();
                const t = token;
                const page = await retryPage(() => source.page(offset, count, t, opts.maxPageSize, opts.signal));
                pages++;
                for (const r of page.ranges) found[w].push({ start: r.start, end: r.end + 1 });
                ranges += page.ranges.length;
                token = page.continuationToken;
                opts.onPage?.({ window: w, pages, ranges });
            } while (token);
        }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, windows.length) }, lister));
    return found.flat();
}
