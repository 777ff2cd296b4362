/**
 * The part FAT12/16/32 and exFAT share: a cluster heap addressed through a file allocation table.
 * The table is read lazily in pieces (a 32 GiB FAT32 volume has a 16 MiB FAT, and listing a
 * folder needs a few entries of it), and a chain is turned into runs of contiguous clusters so
 * file data is fetched in one device read per run.
 */
import { BlockDevice, DiskFormatError } from '../types';

/** 12, 16 or 32 for FAT (FAT32 entries keep 28 bits), `exfat` for exFAT's full 32-bit entries. */
export type FatWidth = 12 | 16 | 32 | 'exfat';

/** `count` clusters from `first` on, contiguous in the heap. */
export interface Run {
    readonly first: number;
    readonly count: number;
}

/** Where the heap and the table lie, all checked against the device before use. */
export interface Geometry {
    readonly what: string;
    readonly clusterSize: number;
    /** Byte offset of cluster 2. */
    readonly heapOffset: number;
    readonly clusterCount: number;
    readonly fatOffset: number;
    readonly width: FatWidth;
}

const PIECE = 32 * 1024;
const MAX_PIECES = 256;
/** File data is fetched in device reads of at most this many bytes. */
export const DATA_READ = 4 * 1024 * 1024;
/** Past this many clusters a chain's visited set moves from a Set to a bitmap. */
const SET_LIMIT = 1 << 20;

export class ClusterHeap {
    private readonly pieces = new Map<number, Uint8Array>();
    /** Bytes of table that hold entries 0 .. clusterCount + 1. */
    private readonly fatBytes: number;
    private readonly pieceSize: number;

    constructor(readonly dev: BlockDevice, readonly geo: Geometry) {
        const entries = geo.clusterCount + 2;
        this.fatBytes = geo.width === 12 ? Math.ceil((entries * 3) / 2) : entries * (geo.width === 16 ? 2 : 4);
        // FAT12 entries straddle byte pairs anywhere, so its table (at most 6 KiB) is one piece.
        this.pieceSize = geo.width === 12 ? this.fatBytes : PIECE;
    }

    /** The device offset of cluster `c`, which must be a data cluster. */
    offsetOf(c: number): number {
        return this.geo.heapOffset + (c - 2) * this.geo.clusterSize;
    }

    isCluster(c: number): boolean {
        return Number.isInteger(c) && c >= 2 && c <= this.geo.clusterCount + 1;
    }

    private async piece(index: number): Promise<Uint8Array> {
        const hit = this.pieces.get(index);
        if (hit) {
            // Most recently used goes last, so the first key is the one to evict.
            this.pieces.delete(index);
            this.pieces.set(index, hit);
            return hit;
        }
        const start = index * this.pieceSize;
        const length = Math.min(this.pieceSize, this.fatBytes - start);
        const data = await this.dev.read(this.geo.fatOffset + start, length);
        if (this.pieces.size >= MAX_PIECES) this.pieces.delete(this.pieces.keys().next().value!);
        this.pieces.set(index, data);
        return data;
    }

    /** The raw table entry of cluster `c` (masked to 28 bits on FAT32). */
    async entry(c: number): Promise<number> {
        const w = this.geo.width;
        if (w === 12) {
            const p = await this.piece(0);
            const at = c + (c >> 1);
            const v = p[at] | (p[at + 1] << 8);
            return c & 1 ? v >> 4 : v & 0xfff;
        }
        const bytes = w === 16 ? 2 : 4;
        const at = c * bytes;
        const p = await this.piece(Math.floor(at / this.pieceSize));
        const o = at % this.pieceSize;
        if (w === 16) return p[o] | (p[o + 1] << 8);
        const v = (p[o] | (p[o + 1] << 8) | (p[o + 2] << 16) | (p[o + 3] << 24)) >>> 0;
        return w === 32 ? v & 0x0fffffff : v;
    }

    /** The cluster after `c`, or undefined at the end of the chain; anything else is damage. */
    async next(c: number, what: string): Promise<number | undefined> {
        const v = await this.entry(c);
        const w = this.geo.width;
        // End-of-chain and bad-cluster marks: Microsoft FAT spec section 4, exFAT spec 4.1.
        const eoc = w === 12 ? 0xff8 : w === 16 ? 0xfff8 : w === 32 ? 0x0ffffff8 : 0xffffffff;
        const bad = w === 12 ? 0xff7 : w === 16 ? 0xfff7 : w === 32 ? 0x0ffffff7 : 0xfffffff7;
        if (v >= eoc) return undefined;
        if (v === bad) throw new DiskFormatError(`${this.geo.what} chain`, `${what}: cluster ${c} leads to a cluster marked bad`);
        if (v === 0) throw new DiskFormatError(`${this.geo.what} chain`, `${what}: cluster ${c} leads to a free cluster`);
        if (!this.isCluster(v)) {
            throw new DiskFormatError(`${this.geo.what} chain`, `${what}: cluster ${c} points to cluster ${v}, past the last cluster ${this.geo.clusterCount + 1}`);
        }
        return v;
    }

    /**
     * The runs of the chain from `first`. With `need`, exactly that many clusters (a file: the
     * chain may not end earlier, and what it holds past its size is ignored); with `limit`, up to
     * the end mark but no more than `limit` clusters (a directory). A chain that comes back to a
     * cluster it passed is a loop.
     */
    async chain(first: number, bound: { need?: number; limit?: number }, what: string): Promise<Run[]> {
        const structure = `${this.geo.what} chain`;
        if (!this.isCluster(first)) {
            throw new DiskFormatError(structure, `${what}: first cluster ${first} is outside clusters 2..${this.geo.clusterCount + 1}`);
        }
        const max = Math.min(bound.need ?? bound.limit ?? Infinity, this.geo.clusterCount);
        const seen = new Visited(this.geo.clusterCount);
        const runs: Run[] = [];
        let runFirst = first;
        let count = 0;
        let c: number | undefined = first;
        let n = 0;
        while (c !== undefined) {
            if (seen.has(c)) throw new DiskFormatError(structure, `${what}: loops back to cluster ${c} after ${n} clusters`);
            seen.add(c);
            if (c === runFirst + count) {
                count++;
            } else {
                runs.push({ first: runFirst, count });
                runFirst = c;
                count = 1;
            }
            n++;
            if (n >= max) {
                if (bound.need !== undefined && n >= bound.need) break;
                // More clusters than the volume or the limit holds: the next step can only be damage.
                const after = await this.next(c, what);
                if (after === undefined) break;
                if (seen.has(after)) throw new DiskFormatError(structure, `${what}: loops back to cluster ${after} after ${n} clusters`);
                throw new DiskFormatError(structure, `${what}: longer than ${max} clusters`);
            }
            c = await this.next(c, what);
        }
        if (bound.need !== undefined && n < bound.need) {
            throw new DiskFormatError(structure, `${what}: ends after ${n} clusters, ${bound.need} needed for its size`);
        }
        runs.push({ first: runFirst, count });
        return runs;
    }

    /** `count` contiguous clusters from `first` (exFAT NoFatChain), checked to lie in the heap. */
    contiguous(first: number, count: number, what: string): Run[] {
        if (!this.isCluster(first) || !this.isCluster(first + count - 1)) {
            throw new DiskFormatError(`${this.geo.what} stream`, `${what}: clusters ${first}..${first + count - 1} are outside clusters 2..${this.geo.clusterCount + 1}`);
        }
        return [{ first, count }];
    }

    /**
     * Bytes [offset, offset + length) of the data the runs hold; bytes at or past `valid` read as
     * zeros without a device read (exFAT ValidDataLength). One device read per run, capped.
     */
    async readRuns(runs: readonly Run[], offset: number, length: number, valid = Infinity): Promise<Uint8Array> {
        const out = new Uint8Array(length);
        const cs = this.geo.clusterSize;
        const end = Math.min(offset + length, valid);
        let pos = 0;
        for (const r of runs) {
            const rStart = pos;
            const rEnd = pos + r.count * cs;
            pos = rEnd;
            if (rEnd <= offset) continue;
            if (rStart >= end) break;
            let from = Math.max(offset, rStart);
            const to = Math.min(end, rEnd);
            while (from < to) {
                const n = Math.min(DATA_READ, to - from);
                const data = await this.dev.read(this.offsetOf(r.first) + (from - rStart), n);
                out.set(data, from - offset);
                from += n;
            }
        }
        return out;
    }
}

/** The device offset of byte `at` of the data the runs hold. */
export function runOffset(heap: ClusterHeap, runs: readonly Run[], at: number): number {
    const cs = heap.geo.clusterSize;
    let pos = 0;
    for (const r of runs) {
        if (at < pos + r.count * cs) return heap.offsetOf(r.first) + (at - pos);
        pos += r.count * cs;
    }
    return -1;
}

/** Clusters a chain has passed: a Set while small, a bitmap over the volume once large. */
class Visited {
    private set: Set<number> | undefined = new Set();
    private bits: Uint8Array | undefined;

    constructor(private readonly clusters: number) {}

    has(c: number): boolean {
        if (this.set) return this.set.has(c);
        return (this.bits![c >> 3] & (1 << (c & 7))) !== 0;
    }

    add(c: number): void {
        if (this.set && this.set.size < SET_LIMIT) {
            this.set.add(c);
            return;
        }
        if (this.set) {
            this.bits = new Uint8Array(((this.clusters + 2) >> 3) + 1);
            for (const v of this.set) this.bits[v >> 3] |= 1 << (v & 7);
            this.set = undefined;
        }
        this.bits![c >> 3] |= 1 << (c & 7);
    }
}
