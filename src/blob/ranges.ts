/** Download planning: which byte ranges to fetch, in which chunks. */

export interface ByteRange {
    /** First byte. */
    start: number;
    /** One past the last byte. */
    end: number;
}

export interface Chunk extends ByteRange {
    index: number;
}

export const DEFAULT_CHUNK = 4 * 1024 * 1024;
export const DEFAULT_MERGE_GAP = 64 * 1024;

/**
 * Sorts, clips to [0,size) and merges ranges that touch, overlap or sit at most `gap` bytes
 * apart. Fetching a small gap of zeros is cheaper than another request (and the gap's zeros land
 * in the file as written zeros, which is harmless).
 */
export function mergeRanges(ranges: ByteRange[], gap: number, size = Number.MAX_SAFE_INTEGER): ByteRange[] {
    const sorted = ranges
        .map((r) => ({ start: Math.max(0, r.start), end: Math.min(size, r.end) }))
        .filter((r) => r.end > r.start)
        .sort((a, b) => a.start - b.start);
    const out: ByteRange[] = [];
    for (const r of sorted) {
        const last = out[out.length - 1];
        if (last && r.start - last.end <= gap) {
            if (r.end > last.end) last.end = r.end;
        } else {
            out.push({ ...r });
        }
    }
    return out;
}

/** Splits merged ranges into chunks of at most `chunkSize` bytes. */
export function chunkRanges(ranges: ByteRange[], chunkSize: number): Chunk[] {
    const chunks: Chunk[] = [];
    for (const r of ranges) {
        for (let s = r.start; s < r.end; s += chunkSize) {
            chunks.push({ index: chunks.length, start: s, end: Math.min(r.end, s + chunkSize) });
        }
    }
    return chunks;
}

/** `ranges` minus `done` (both sorted, non-overlapping within themselves). */
export function subtractRanges(ranges: ByteRange[], done: ByteRange[]): ByteRange[] {
    const d = mergeRanges(done, 0);
    const out: ByteRange[] = [];
    let j = 0;
    for (const r of ranges) {
        let cur = r.start;
        while (j < d.length && d[j].end <= cur) j++;
        let k = j;
        while (k < d.length && d[k].start < r.end) {
            if (d[k].start > cur) out.push({ start: cur, end: d[k].start });
            cur = Math.max(cur, d[k].end);
            if (cur >= r.end) break;
            k++;
        }
        if (cur < r.end) out.push({ start: cur, end: r.end });
    }
    return out;
}

export function totalBytes(ranges: ByteRange[]): number {
    let n = 0;
    for (const r of ranges) n += r.end - r.start;
    return n;
}

/** The parts of [start, end) covered by `sorted` (merged, sorted ranges), found by binary search. */
export function intersect(sorted: ByteRange[], start: number, end: number): ByteRange[] {
    const lo = firstEndingAfter(sorted, start);
    const out: ByteRange[] = [];
    for (let i = lo; i < sorted.length && sorted[i].start < end; i++) {
        out.push({ start: Math.max(start, sorted[i].start), end: Math.min(end, sorted[i].end) });
    }
    return out;
}

/** The index of the first of `sorted` (sorted by end) that ends after `offset`, by binary search. */
export function firstEndingAfter(sorted: readonly ByteRange[], offset: number): number {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid].end <= offset) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
