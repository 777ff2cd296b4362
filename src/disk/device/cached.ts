/**
 * A block device over a slow source (ranged HTTP reads, an image file): aligned blocks kept in an
 * LRU bounded by bytes, adjacent missing blocks of one read fetched in one request, read-ahead
 * that grows while reads run on sequentially, one fetch shared by every reader of a block, and
 * pages the source says were never written answered as zeros without a request.
 */
import { BlockDevice, DiskFormatError, checkRead } from '../types';

export interface ByteRange {
    start: number;
    end: number;
}

/** Where the bytes come from. */
export interface DeviceSource {
    readonly size: number;
    /** Bytes [start, end) in ONE request; exactly end - start bytes. */
    fetch(start: number, end: number): Promise<Uint8Array>;
    /**
     * The ranges [start, end) that may hold data, ascending (a page blob's written pages, an
     * image's allocated extents). Asked once; everything outside reads as zeros. Without it every
     * byte is fetched.
     */
    dataRanges?(): Promise<ReadonlyArray<ByteRange>>;
}

export interface CacheOptions {
    /** Block size, a power of two (default 64 KiB). */
    blockSize?: number;
    /** Bytes of blocks kept at most (default 64 MiB). */
    maxBytes?: number;
    /** The largest read-ahead (default 4 MiB); 0 turns it off. */
    maxReadAhead?: number;
}

export interface DeviceStats {
    /** Requests made to the source. */
    requests: number;
    /** Bytes the source returned. */
    bytesFetched: number;
}

export interface CachedDevice extends BlockDevice {
    /** The source's data ranges, merged; the whole device when the source cannot tell. */
    dataRanges(): Promise<ReadonlyArray<ByteRange>>;
    stats(): DeviceStats;
    /** Bytes of blocks held now (never above the limit). */
    cachedBytes(): number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Wraps `source` in a cache; see the file comment for what it does. */
export function cachedDevice(source: DeviceSource, opts: CacheOptions = {}): CachedDevice {
    return new BlockCache(source, opts);
}

class BlockCache implements CachedDevice {
    readonly size: number;
    private readonly bs: number;
    private readonly maxBytes: number;
    private readonly maxAhead: number;
    /** Insertion order is recency order: a hit moves the block to the end. */
    private readonly lru = new Map<number, Uint8Array>();
    private held = 0;
    private readonly inflight = new Map<number, Promise<Uint8Array>>();
    private ranges: Promise<ReadonlyArray<ByteRange> | undefined> | undefined;
    private readonly zeros: Uint8Array;
    private lastEnd = -1;
    private ahead = 0;
    private requests = 0;
    private bytesFetched = 0;

    constructor(private readonly source: DeviceSource, opts: CacheOptions) {
        const bs = opts.blockSize ?? 64 * KiB;
        if (!Number.isSafeInteger(bs) || bs < 512 || (bs & (bs - 1)) !== 0) throw new RangeError(`block size ${bs} is not a power of two of at least 512`);
        if (!Number.isSafeInteger(source.size) || source.size < 0) throw new DiskFormatError('block device', `size ${source.size} is not a byte count`);
        this.size = source.size;
        this.bs = bs;
        this.maxBytes = Math.max(bs, opts.maxBytes ?? 64 * MiB);
        // Read-ahead never takes more than half the cache, so it cannot evict what it was read with.
        this.maxAhead = Math.max(0, Math.min(opts.maxReadAhead ?? 4 * MiB, Math.floor(this.maxBytes / 2 / bs) * bs));
        this.zeros = new Uint8Array(bs);
    }

    stats(): DeviceStats {
        return { requests: this.requests, bytesFetched: this.bytesFetched };
    }

    cachedBytes(): number {
        return this.held;
    }

    dataRanges(): Promise<ReadonlyArray<ByteRange>> {
        return this.written().then((r) => r ?? [{ start: 0, end: this.size }]);
    }

    async read(offset: number, length: number): Promise<Uint8Array> {
        checkRead(this.size, offset, length, 'block device read');
        if (length === 0) return new Uint8Array(0);
        const bs = this.bs;
        const first = Math.floor(offset / bs);
        const last = Math.floor((offset + length - 1) / bs);
        const ahead = this.readAhead(offset, length);
        const written = await this.written();
        const blocks = this.blocksFor(first, last, ahead, written);
        const parts = await Promise.all(blocks);
        if (first === last) {
            const at = offset - first * bs;
            return parts[0].subarray(at, at + length);
        }
        const out = new Uint8Array(length);
        for (let b = first, o = 0; b <= last; b++) {
            const from = b === first ? offset - first * bs : 0;
            const to = Math.min(parts[b - first].length, offset + length - b * bs);
            out.set(parts[b - first].subarray(from, to), o);
            o += to - from;
        }
        return out;
    }

    /**
     * Read-ahead in bytes for this read: grows (doubling from one block) while each read starts
     * where the one before ended, and drops to none on a jump elsewhere.
     */
    private readAhead(offset: number, length: number): number {
        const sequential = this.lastEnd >= 0 && offset <= this.lastEnd + this.bs && offset + length > this.lastEnd && offset >= this.lastEnd - this.bs;
        this.lastEnd = offset + length;
        if (!sequential || this.maxAhead === 0) {
            this.ahead = 0;
            return 0;
        }
        return this.ahead || this.bs;
    }

    /** A promise per block first..last; missing runs are fetched, each as one request. */
    private blocksFor(first: number, last: number, ahead: number, written: ReadonlyArray<ByteRange> | undefined): Promise<Uint8Array>[] {
        const out: Promise<Uint8Array>[] = [];
        let runStart = -1;
        const flush = (end: number) => {
            if (runStart < 0) return;
            const from = runStart;
            const got = this.fetchRun(from, end);
            for (let b = from; b < end && b <= last; b++) out[b - first] = got.then((g) => g[b - from]);
            runStart = -1;
        };
        for (let b = first; b <= last; b++) {
            const known = this.known(b, written);
            if (known) {
                flush(b);
                out[b - first] = known;
            } else if (runStart < 0) {
                runStart = b;
            }
        }
        if (runStart >= 0) {
            // The read fetches anyway: extend its last run over blocks that follow and are missing too.
            const blocks = Math.floor(ahead / this.bs);
            let end = last + 1;
            const limit = Math.min(this.blockCount(), end + blocks);
            while (end < limit && !this.known(end, written)) end++;
            flush(end);
            if (end > last + 1) this.ahead = Math.min(this.maxAhead, Math.max(this.bs, ahead) * 2);
        }
        return out;
    }

    /** A block that needs no new request: cached, in flight, or never written. */
    private known(b: number, written: ReadonlyArray<ByteRange> | undefined): Promise<Uint8Array> | undefined {
        const hit = this.lru.get(b);
        if (hit) {
            this.lru.delete(b);
            this.lru.set(b, hit);
            return Promise.resolve(hit);
        }
        const pending = this.inflight.get(b);
        if (pending) return pending;
        const start = b * this.bs;
        const end = Math.min(this.size, start + this.bs);
        if (written && !overlaps(written, start, end)) return Promise.resolve(this.zeros.subarray(0, end - start));
        return undefined;
    }

    private blockCount(): number {
        return Math.ceil(this.size / this.bs);
    }

    /** Fetches blocks [from, to) in one request; a failure caches nothing and reaches every waiter. */
    private fetchRun(from: number, to: number): Promise<Uint8Array[]> {
        const start = from * this.bs;
        const end = Math.min(this.size, to * this.bs);
        this.requests++;
        const run = (async () => {
            const bytes = await this.source.fetch(start, end);
            if (bytes.length !== end - start) throw new DiskFormatError('block device', `the source returned ${bytes.length} bytes for a read of ${end - start}`, start);
            this.bytesFetched += bytes.length;
            const blocks: Uint8Array[] = [];
            for (let b = from; b < to; b++) blocks.push(bytes.subarray((b - from) * this.bs, Math.min(bytes.length, (b - from + 1) * this.bs)));
            return blocks;
        })();
        const settle = () => {
            for (let b = from; b < to; b++) this.inflight.delete(b);
        };
        run.then((blocks) => {
            settle();
            blocks.forEach((blk, i) => this.keep(from + i, blk));
        }, settle);
        for (let b = from; b < to; b++) this.inflight.set(b, run.then((g) => g[b - from]));
        // Waiters hold their own handlers; this one only keeps an unawaited rejection quiet.
        for (let b = from; b < to; b++) this.inflight.get(b)!.catch(() => undefined);
        return run;
    }

    private keep(b: number, blk: Uint8Array): void {
        if (this.lru.has(b)) return;
        // A block is held as its own copy: the source's buffer of the whole run is not pinned by one block.
        const own = blk.length === blk.buffer.byteLength ? blk : blk.slice();
        this.lru.set(b, own);
        this.held += own.length;
        for (const [k, v] of this.lru) {
            if (this.held <= this.maxBytes) break;
            this.lru.delete(k);
            this.held -= v.length;
        }
    }

    /** The source's data ranges, merged and clipped, asked once (a failure is asked again next read). */
    private written(): Promise<ReadonlyArray<ByteRange> | undefined> {
        if (!this.source.dataRanges) return Promise.resolve(undefined);
        if (!this.ranges) {
            this.ranges = this.source.dataRanges().then((r) => mergeSorted(r, this.size));
            this.ranges.catch(() => { this.ranges = undefined; });
        }
        return this.ranges;
    }
}

/** Sorts, clips to [0, size) and merges touching ranges, checking each is a byte range. */
function mergeSorted(ranges: ReadonlyArray<ByteRange>, size: number): ByteRange[] {
    const sorted = ranges
        .filter((r) => Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end))
        .map((r) => ({ start: Math.max(0, r.start), end: Math.min(size, r.end) }))
        .filter((r) => r.end > r.start)
        .sort((a, b) => a.start - b.start);
    const out: ByteRange[] = [];
    for (const r of sorted) {
        const prev = out[out.length - 1];
        if (prev && r.start <= prev.end) prev.end = Math.max(prev.end, r.end);
        else out.push(r);
    }
    return out;
}

/** Whether [start, end) meets any of the merged, sorted ranges (binary search). */
export function overlaps(sorted: ReadonlyArray<ByteRange>, start: number, end: number): boolean {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid].end <= start) lo = mid + 1;
        else hi = mid;
    }
    return lo < sorted.length && sorted[lo].start < end;
}
