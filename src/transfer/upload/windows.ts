/** Cutting the virtual disk into Put Page windows, and finding the non-zero pages in one. */
import type { Extent } from '../../formats/types';

export interface Window {
    /** Virtual-disk bytes [start, end): on the chunk grid, so a resumed run cuts the same windows. */
    start: number;
    end: number;
    /** The pieces of extents inside the window. */
    parts: { extent: Extent; skip: number; count: number }[];
    /** Bytes of extents in the window (what must be read). */
    dataBytes: number;
}

/**
 * Groups extents (ascending, not overlapping) into windows of the `chunk` grid, clipped to
 * `limit`, yielded as each one is complete: memory stays flat whatever the disk size.
 */
export async function* windowsOf(extents: AsyncIterable<Extent>, chunk: number, limit: number): AsyncGenerator<Window> {
    let w: Window | undefined;
    for await (const e of extents) {
        const end = Math.min(e.offset + e.length, limit);
        for (let s = e.offset; s < end;) {
            const wStart = Math.floor(s / chunk) * chunk;
            const wEnd = Math.min(wStart + chunk, limit);
            const pieceEnd = Math.min(end, wEnd);
            if (!w || w.start !== wStart) {
                if (w && w.start > wStart) throw new Error('image extents out of order');
                if (w) yield w;
                w = { start: wStart, end: wEnd, parts: [], dataBytes: 0 };
            }
            w.parts.push({ extent: e, skip: s - e.offset, count: pieceEnd - s });
            w.dataBytes += pieceEnd - s;
            s = pieceEnd;
        }
    }
    if (w) yield w;
}

const PAGE = 512;
const BLOCK = 64 * 1024;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/**
 * Runs of non-zero 512-byte pages in buf[0, n) (n a multiple of 512), as offsets into buf. Zero
 * runs shorter than `gap` bytes between two runs are sent with them: one request instead of two.
 */
export function zeroRuns(buf: Buffer, n: number, gap: number): { start: number; end: number }[] {
    const runs: { start: number; end: number }[] = [];
    const add = (start: number, end: number) => {
        const last = runs[runs.length - 1];
        if (last && start - last.end < gap) last.end = end;
        else if (last && start === last.end) last.end = end;
        else runs.push({ start, end });
    };
    for (let b = 0; b < n; b += BLOCK) {
        const bEnd = Math.min(n, b + BLOCK);
        // Whole zero blocks are the common case: one native compare.
        if (buf.compare(ZERO_BLOCK, 0, bEnd - b, b, bEnd) === 0) continue;
        for (let p = b; p < bEnd; p += PAGE) {
            if (buf.compare(ZERO_BLOCK, 0, PAGE, p, p + PAGE) !== 0) add(p, p + PAGE);
        }
    }
    return runs;
}
