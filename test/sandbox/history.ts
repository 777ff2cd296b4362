/**
 * A disk with a past: what `rg-data/history-data` held at each of its incremental snapshots and
 * now. One list of writes and clears, in the order they happened; generation g is the state after
 * the steps of generations 0…g. Each snapshot's blob is seeded with the written pages of its
 * generation (so Get Page Ranges sees exactly those), the content reproducible from the step that
 * wrote it.
 */
import { contentAt } from './blobs';

export { HISTORY_DISK, HISTORY_SNAPSHOTS } from './seed';

const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE = 512;

/** A write of `tag`'s bytes (or zeros), or a Clear Pages, over [offset, offset+length). */
export interface HistoryStep {
    generation: number;
    op: 'write' | 'zeros' | 'clear';
    offset: number;
    length: number;
    /** Content seed of a write: the same tag at the same offset gives the same bytes. */
    tag?: string;
    /** What the step stands for, for the tests and the README. */
    what: string;
}

/** Generations: 0, 1, 2 are the snapshots v1, v2, v3 (seed.HISTORY_SNAPSHOTS); 3 is the disk as it is now. */
export const HISTORY_STEPS: HistoryStep[] = [
    { generation: 0, op: 'write', offset: 0, length: 512 * KiB, tag: 'a', what: 'boot area' },
    { generation: 0, op: 'write', offset: 4 * MiB, length: MiB, tag: 'a', what: 'data, part of it overwritten later' },
    { generation: 0, op: 'write', offset: 10 * MiB, length: 256 * KiB, tag: 'a', what: 'data written back to zeros later' },
    { generation: 0, op: 'write', offset: 16 * MiB, length: MiB, tag: 'a', what: 'data cleared in part later' },
    { generation: 0, op: 'write', offset: 24 * MiB, length: 512 * KiB, tag: 'a', what: 'data rewritten with the same bytes later' },
    { generation: 0, op: 'write', offset: 30 * MiB, length: 128 * KiB, tag: 'a', what: 'data cleared whole later' },
    { generation: 0, op: 'write', offset: 28 * MiB, length: 256 * KiB, tag: 'a', what: 'never changes' },
    { generation: 1, op: 'write', offset: 4 * MiB + 256 * KiB, length: 256 * KiB, tag: 'b', what: 'overwritten' },
    { generation: 1, op: 'clear', offset: 16 * MiB + 256 * KiB, length: 512 * KiB, what: 'Clear Pages' },
    { generation: 1, op: 'zeros', offset: 10 * MiB, length: 128 * KiB, what: 'written back to zeros' },
    { generation: 1, op: 'write', offset: 24 * MiB, length: 256 * KiB, tag: 'a', what: 'rewritten with the same bytes' },
    { generation: 1, op: 'write', offset: 20 * MiB, length: 512 * KiB, tag: 'b', what: 'new data in a hole' },
    { generation: 2, op: 'clear', offset: 256 * KiB, length: 256 * KiB, what: 'tail of the boot area cleared' },
    { generation: 2, op: 'write', offset: 20 * MiB + 128 * KiB, length: 128 * KiB, tag: 'c', what: 'overwritten again' },
    { generation: 2, op: 'write', offset: 16 * MiB + 256 * KiB, length: 128 * KiB, tag: 'c', what: 'written where it was cleared' },
    { generation: 2, op: 'clear', offset: 30 * MiB, length: 128 * KiB, what: 'range cleared whole' },
    { generation: 2, op: 'write', offset: 12 * MiB, length: 4 * KiB, tag: 'c', what: 'one small write' },
    { generation: 2, op: 'write', offset: 13 * MiB + PAGE, length: 3 * PAGE, tag: 'c', what: 'three pages, not 4 KiB aligned' },
    { generation: 3, op: 'write', offset: 26 * MiB, length: 256 * KiB, tag: 'd', what: 'written after the last snapshot' },
];

/**
 * The written pages at `generation`, as runs with their bytes (offsets in the data part). The
 * whole data part is held in memory, which is fine for the 32 MiB of this disk.
 */
export function historyPieces(family: string, generation: number, dataSize: number): { offset: number; length: number; data: Buffer }[] {
    const image = Buffer.alloc(dataSize);
    const written = new Uint8Array(dataSize / PAGE);
    for (const s of HISTORY_STEPS) {
        if (s.generation > generation) continue;
        const first = s.offset / PAGE, last = (s.offset + s.length) / PAGE;
        if (s.op === 'clear') {
            image.fill(0, s.offset, s.offset + s.length);
            written.fill(0, first, last);
            continue;
        }
        if (s.op === 'write') contentAt(`${family}#${s.tag}`, s.offset, s.length).copy(image, s.offset);
        else image.fill(0, s.offset, s.offset + s.length);
        written.fill(1, first, last);
    }
    const out: { offset: number; length: number; data: Buffer }[] = [];
    for (let p = 0; p < written.length;) {
        if (!written[p]) { p++; continue; }
        let q = p;
        while (q < written.length && written[q]) q++;
        out.push({ offset: p * PAGE, length: (q - p) * PAGE, data: image.subarray(p * PAGE, q * PAGE) });
        p = q;
    }
    return out;
}
