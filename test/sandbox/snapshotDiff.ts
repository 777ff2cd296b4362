/**
 * Get Page Ranges with `prevsnapshoturl` (service version 2019-07-07 and later), as the service
 * answers it on a managed disk's incremental snapshot: what changed since the older snapshot,
 * `<PageRange>` (updated) and `<ClearRange>` (cleared) elements in offset order, paged with
 * `maxresults` / `<NextMarker>`, within an `x-ms-range` window. Azurite knows only `prevsnapshot`
 * within one blob, and each snapshot here is a blob of its own, so the proxy computes the diff from
 * the two blobs.
 *
 * Our reading, by content: a page is listed when its bytes differ between the two (a page neither
 * blob has written reads as zeros); PageRange where the newer has it written, ClearRange where
 * only the older had. Azure tracks writes instead, so it may also list a range rewritten with the
 * same bytes as updated; clients must accept both (fetching such a range again is harmless).
 * trackedDiff answers from a recorded change log instead, as the service does (the benchmark's
 * 64 GiB pair, whose content a listing must not have to read).
 */
import type * as http from 'node:http';
import { firstEndingAfter } from '../../src/blob/ranges';

const PAGE = 512;
const PIECE = 4 * 1024 * 1024;
/** The service returns at most this many ranges a page. */
export const MAX_DIFF_RESULTS = 10_000;

export type UpstreamGet = (pathAndQuery: string, headers: Record<string, string>) => Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>;

export interface DiffRequest {
    /** The newer blob: its path and SAS query (any other parameters are ignored). */
    newer: URL;
    /** The older snapshot's SAS URL (prevsnapshoturl), already checked to be this service's. */
    older: URL;
    /** x-ms-range / Range header value, if any. */
    range?: string;
    marker?: string;
    maxResults?: string;
}

export type DiffAnswer =
    | { ok: true; xml: string; headers: Record<string, string> }
    | { ok: false; status: number; code: string; message: string; detail?: string };

interface Span { start: number; end: number }

const SAS_KEYS = ['sv', 'ss', 'srt', 'sp', 'se', 'st', 'spr', 'sig', 'sr', 'si', 'skoid', 'sktid', 'skt', 'ske', 'sks', 'skv', 'rscc', 'rscd', 'rsce', 'rscl', 'rsct'];

/** path?SAS&comp=pagelist: the blob's own page list request, nothing else carried over. */
function pageListPath(u: URL): string {
    const q = new URLSearchParams();
    for (const k of SAS_KEYS) {
        const v = u.searchParams.get(k);
        if (v !== null) q.set(k, v);
    }
    q.set('comp', 'pagelist');
    return `${u.pathname}?${q.toString()}`;
}

function blobPath(u: URL): string {
    const q = new URLSearchParams();
    for (const k of SAS_KEYS) {
        const v = u.searchParams.get(k);
        if (v !== null) q.set(k, v);
    }
    return `${u.pathname}?${q.toString()}`;
}

function parseSpans(xml: string): Span[] {
    const out: Span[] = [];
    const re = /<PageRange>\s*<Start>(\d+)<\/Start>\s*<End>(\d+)<\/End>\s*<\/PageRange>/g;
    for (let m = re.exec(xml); m; m = re.exec(xml)) out.push({ start: Number(m[1]), end: Number(m[2]) + 1 });
    return out;
}

function covered(spans: Span[], at: number): boolean {
    let lo = 0, hi = spans.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (spans[mid].end <= at) lo = mid + 1;
        else hi = mid;
    }
    return lo < spans.length && spans[lo].start <= at;
}

function header(h: http.IncomingHttpHeaders, name: string): string | undefined {
    const v = h[name];
    return Array.isArray(v) ? v[0] : v;
}

const encodeMarker = (offset: number) => Buffer.from(`diff!${offset}`).toString('base64');
function decodeMarker(m: string): number | undefined {
    const t = /^diff!(\d+)$/.exec(Buffer.from(m, 'base64').toString('utf8'));
    return t ? Number(t[1]) : undefined;
}

const badQuery = (message: string): DiffAnswer => ({ ok: false, status: 400, code: 'InvalidQueryParameterValue', message });

/** maxresults and marker of a diff request: the page size and the offset to go on from, or the service's refusal. */
function paging(req: DiffRequest): { max: number; from: number } | DiffAnswer {
    let max = MAX_DIFF_RESULTS;
    if (req.maxResults !== undefined) {
        const n = Number(req.maxResults);
        if (!Number.isInteger(n) || n <= 0) return badQuery('Value for one of the query parameters specified in the request URI is invalid. (maxresults)');
        max = Math.min(n, MAX_DIFF_RESULTS);
    }
    let from = 0;
    if (req.marker) {
        const m = decodeMarker(req.marker);
        if (m === undefined) return badQuery('Value for one of the query parameters specified in the request URI is invalid. (marker)');
        from = m;
    }
    return { max, from };
}

type Listed = { kind: 'PageRange' | 'ClearRange'; start: number; end: number };

/** The PageList document: the ranges in order, NextMarker when `more` says where the next page starts. */
function pageList(found: Listed[], more: number | undefined, size: number, newerHeaders: http.IncomingHttpHeaders): DiffAnswer {
    const body = found.map((r) => `<${r.kind}><Start>${r.start}</Start><End>${r.end - 1}</End></${r.kind}>`).join('');
    const next = more !== undefined ? `<NextMarker>${encodeMarker(more)}</NextMarker>` : '';
    const headers: Record<string, string> = { 'x-ms-blob-content-length': String(size) };
    for (const h of ['etag', 'last-modified']) {
        const v = header(newerHeaders, h);
        if (v) headers[h] = v;
    }
    return { ok: true, xml: `<?xml version="1.0" encoding="utf-8"?>\n<PageList>${body}${next}</PageList>`, headers };
}

const windowOf = (range: string | undefined, size: number) => {
    const win = /^bytes=(\d+)-(\d*)$/.exec((range ?? '').trim());
    return { winStart: win ? Number(win[1]) : 0, winEnd: win && win[2] ? Math.min(size, Number(win[2]) + 1) : size };
};

export async function snapshotDiff(get: UpstreamGet, req: DiffRequest): Promise<DiffAnswer> {
    const p = paging(req);
    if (!('max' in p)) return p;
    const { max, from } = p;
    const windowHeaders: Record<string, string> = req.range ? { 'x-ms-range': req.range } : {};
    const newerList = await get(pageListPath(req.newer), windowHeaders);
    if (newerList.status !== 200) return { ok: false, status: newerList.status, code: header(newerList.headers, 'x-ms-error-code') ?? 'InternalError', message: 'The newer blob could not be listed.' };
    const olderList = await get(pageListPath(req.older), windowHeaders);
    if (olderList.status === 403) {
        return { ok: false, status: 403, code: 'AuthenticationFailed', message: 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.', detail: 'The SAS of the previous snapshot (prevsnapshoturl) is not valid.' };
    }
    if (olderList.status !== 200) return { ok: false, status: 409, code: 'PreviousSnapshotNotFound', message: 'The previous snapshot is not found.' };
    const size = Number(header(newerList.headers, 'x-ms-blob-content-length') ?? 0);
    const olderSize = Number(header(olderList.headers, 'x-ms-blob-content-length') ?? 0);
    const { winStart, winEnd } = windowOf(req.range, size);
    const newer = parseSpans(newerList.body.toString('utf8'));
    const older = parseSpans(olderList.body.toString('utf8'));

    // Pages either side has written, from the marker on, merged.
    const start = Math.max(winStart, from);
    const union: Span[] = [];
    for (const s of [...newer, ...older].map((x) => ({ start: Math.max(start, x.start), end: Math.min(winEnd, x.end) })).filter((x) => x.end > x.start).sort((a, b) => a.start - b.start)) {
        const last = union[union.length - 1];
        if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
        else union.push({ ...s });
    }

    const read = async (u: URL, a: number, b: number, limit: number): Promise<Buffer> => {
        const out = Buffer.alloc(b - a);
        if (a >= limit) return out;
        const r = await get(blobPath(u), { 'x-ms-range': `bytes=${a}-${Math.min(b, limit) - 1}` });
        if (r.status !== 206 && r.status !== 200) throw Object.assign(new Error(`read ${r.status}`), { status: r.status });
        r.body.copy(out);
        return out;
    };

    const found: Listed[] = [];
    let more: number | undefined;
    outer: for (const s of union) {
        for (let a = s.start; a < s.end; a += PIECE) {
            const b = Math.min(s.end, a + PIECE);
            const [n, o] = await Promise.all([read(req.newer, a, b, size), read(req.older, a, b, olderSize)]);
            for (let p = a; p < b; p += PAGE) {
                const i = p - a;
                if (n.subarray(i, i + PAGE).equals(o.subarray(i, i + PAGE))) continue;
                const kind = covered(newer, p) ? 'PageRange' : covered(older, p) ? 'ClearRange' : undefined;
                if (!kind) continue;
                const last = found[found.length - 1];
                if (last && last.kind === kind && last.end === p) {
                    last.end = p + PAGE;
                    continue;
                }
                if (found.length >= max) {
                    more = p;
                    break outer;
                }
                found.push({ kind, start: p, end: p + PAGE });
            }
        }
    }
    return pageList(found, more, size, newerList.headers);
}

/** A change the storage recorded for a pair of blobs, half-open and 512-aligned: what a diff of the pair lists. */
export type TrackedChange = Listed;

/**
 * The same contract answered from a change log instead of by comparing content: as the service
 * tracks writes, a range rewritten with the same bytes is listed as updated. `changes` sorted by
 * offset, not overlapping. Both SAS are still checked, with a one-page read of each blob; nothing
 * else is read, so a listing costs what it costs the service, not a read of both snapshots.
 */
export async function trackedDiff(get: UpstreamGet, req: DiffRequest, changes: readonly TrackedChange[]): Promise<DiffAnswer> {
    const p = paging(req);
    if (!('max' in p)) return p;
    const { max, from } = p;
    const probe = { 'x-ms-range': 'bytes=0-511' };
    const newer = await get(blobPath(req.newer), probe);
    if (newer.status !== 206 && newer.status !== 200) return { ok: false, status: newer.status, code: header(newer.headers, 'x-ms-error-code') ?? 'InternalError', message: 'The newer blob could not be read.' };
    const older = await get(blobPath(req.older), probe);
    if (older.status === 403) {
        return { ok: false, status: 403, code: 'AuthenticationFailed', message: 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.', detail: 'The SAS of the previous snapshot (prevsnapshoturl) is not valid.' };
    }
    if (older.status !== 206 && older.status !== 200) return { ok: false, status: 409, code: 'PreviousSnapshotNotFound', message: 'The previous snapshot is not found.' };
    const size = Number(/\/(\d+)$/.exec(header(newer.headers, 'content-range') ?? '')?.[1] ?? header(newer.headers, 'content-length') ?? 0);
    const { winStart, winEnd } = windowOf(req.range, size);
    const start = Math.max(winStart, from);
    const lo = firstEndingAfter(changes, start);
    const found: Listed[] = [];
    let more: number | undefined;
    for (let i = lo; i < changes.length && changes[i].start < winEnd; i++) {
        const c = { kind: changes[i].kind, start: Math.max(start, changes[i].start), end: Math.min(winEnd, changes[i].end) };
        if (found.length >= max) {
            more = c.start;
            break;
        }
        found.push(c);
    }
    return pageList(found, more, size, newer.headers);
}
