/**
 * Lists a page blob's written ranges (Get Page Ranges), paginated with NextMarker and windowed by
 * byte range, over the blob endpoint's keep-alive connections; and, with a previous snapshot's
 * SAS (`prevsnapshoturl`, managed disks only), what changed between two snapshots: PageRange
 * (updated) and ClearRange (cleared) elements, read in document order.
 */
import { BodyError } from './errors';
import { byteRange, withQuery, type BlobEndpoint } from './http';
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

/** One page of a listing: inclusive ends, as the service reports them. */
export interface PageListPage {
    /** PageRange elements: written (or, in a diff, updated) pages. */
    ranges: { start: number; end: number }[];
    /** ClearRange elements: in a diff, pages cleared since the previous snapshot. */
    clear?: { start: number; end: number }[];
    continuationToken?: string;
}

export interface PageListSource {
    /** One page of ranges of the window [offset, offset+count). */
    page(offset: number, count: number, continuationToken: string | undefined, maxPageSize: number | undefined, signal?: AbortSignal): Promise<PageListPage>;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e]);

/**
 * Parses a Get Page Ranges answer: PageRange and ClearRange elements, interleaved in document
 * order (a diff lists both; one SDK lost the cleared ones by reading each kind in its own pass),
 * and NextMarker.
 */
export function parsePageList(xml: string): PageListPage {
    // A list cut short (a connection closed mid-body without a Content-Length) would silently
    // drop ranges: only a whole document counts.
    if (!/<\/PageList>\s*$/.test(xml) && !/<PageList\s*\/>\s*$/.test(xml)) throw new BodyError('the page list ended before </PageList>');
    const ranges: { start: number; end: number }[] = [];
    const clear: { start: number; end: number }[] = [];
    const re = /<(PageRange|ClearRange)>\s*<Start>(\d+)<\/Start>\s*<End>(\d+)<\/End>\s*<\/\1>/g;
    for (let m = re.exec(xml); m; m = re.exec(xml)) (m[1] === 'PageRange' ? ranges : clear).push({ start: Number(m[2]), end: Number(m[3]) });
    const next = /<NextMarker>([^<]*)<\/NextMarker>/.exec(xml)?.[1];
    return { ranges, clear, continuationToken: next ? unescapeXml(next) : undefined };
}

/**
 * A PageListSource over the blob endpoint; `url()` gives the current SAS URL (it may be
 * re-granted), `previous()` the older snapshot's SAS for a diff (also re-grantable).
 */
export function httpPageListSource(http: BlobEndpoint, url: () => string, previous?: () => string): PageListSource {
    return {
        async page(offset, count, token, maxPageSize, signal) {
            const params: Record<string, string> = { comp: 'pagelist' };
            if (previous) params.prevsnapshoturl = previous();
            if (token) params.marker = token;
            if (maxPageSize) params.maxresults = String(maxPageSize);
            return parsePageList(await http.text(withQuery(url(), params), { 'x-ms-range': byteRange(offset, offset + count) }, signal));
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
    return (await listPages(source, opts, retryPage)).updated;
}

/** What changed between two snapshots, half-open: pages updated and pages cleared. */
export interface PageDiff {
    updated: ByteRange[];
    cleared: ByteRange[];
}

/** Like listWrittenRanges, keeping ClearRange too: with a source made with `previous`, the snapshot diff. */
export async function listPages(
    source: PageListSource,
    opts: ListOptions,
    retryPage: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<PageDiff> {
    // With `parallel` > 1 the blob is cut into at least that many windows, listed that many at a
    // time: a fragmented disk's thousands of ranges come in many pages, and one page after
    // another costs a round trip each.
    const parallel = Math.max(1, Math.floor(opts.parallel ?? 1));
    let window = Math.max(512, opts.window ?? DEFAULT_LIST_WINDOW);
    if (parallel > 1) window = Math.max(512, Math.min(window, Math.ceil(opts.size / parallel / 512) * 512));
    const windows: ByteRange[] = [];
    for (let offset = 0; offset < opts.size; offset += window) windows.push({ start: offset, end: Math.min(opts.size, offset + window) });
    const found: ByteRange[][] = windows.map(() => []);
    const cleared: ByteRange[][] = windows.map(() => []);
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
                for (const r of page.clear ?? []) cleared[w].push({ start: r.start, end: r.end + 1 });
                ranges += page.ranges.length + (page.clear?.length ?? 0);
                token = page.continuationToken;
                opts.onPage?.({ window: w, pages, ranges });
            } while (token);
        }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, windows.length) }, lister));
    return { updated: found.flat(), cleared: cleared.flat() };
}
