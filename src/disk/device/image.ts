/**
 * A local disk image as a block device: raw, fixed and dynamic VHD, VHDX and qcow2, through the
 * image readers the upload uses. Their extents list where the virtual disk may hold data; the
 * rest reads as zeros. The extents are indexed once (sorted by offset) and each read finds its
 * first extent by binary search, so a random read costs only the extents it touches.
 */
import { openImage } from '../../formats/inspect';
import type { Extent, ImageFormat } from '../../formats/types';
import { DiskFormatError } from '../types';
import { ByteRange, CacheOptions, CachedDevice, DeviceSource, cachedDevice } from './cached';

export interface ImageDevice extends CachedDevice {
    readonly format: ImageFormat;
    close(): Promise<void>;
}

/** Extents a reader may list at most (a 32 TiB qcow2 of 512-byte clusters would list more: refused by name). */
const MAX_EXTENTS = 16 * 1024 * 1024;

/** The extents of an image, sorted by offset, with binary search over their starts. */
export class ExtentIndex {
    private readonly starts: number[] = [];
    private readonly extents: Extent[] = [];

    constructor(readonly size: number) {}

    /** Adds the next extent; they must come in ascending order, not overlapping, inside the disk. */
    add(e: Extent): void {
        const prev = this.extents[this.extents.length - 1];
        const what = 'image extent';
        if (!Number.isSafeInteger(e.offset) || !Number.isSafeInteger(e.length) || e.offset < 0 || e.length <= 0 || e.offset + e.length > this.size) {
            throw new DiskFormatError(what, `${e.offset} + ${e.length} lies outside the ${this.size}-byte disk`, e.offset);
        }
        if (prev && e.offset < prev.offset + prev.length) throw new DiskFormatError(what, `at ${e.offset} overlaps or precedes the one at ${prev.offset}`, e.offset);
        if (this.extents.length >= MAX_EXTENTS) throw new DiskFormatError(what, `the image lists more than ${MAX_EXTENTS} extents`, e.offset);
        this.starts.push(e.offset);
        this.extents.push(e);
    }

    /** Where data may lie, merged. */
    ranges(): ByteRange[] {
        const out: ByteRange[] = [];
        for (const e of this.extents) {
            const prev = out[out.length - 1];
            if (prev && prev.end === e.offset) prev.end = e.offset + e.length;
            else out.push({ start: e.offset, end: e.offset + e.length });
        }
        return out;
    }

    /** Bytes [start, end): each extent's part read through it, the rest zeros. */
    async read(start: number, end: number): Promise<Buffer> {
        const buf = Buffer.alloc(end - start);
        for (let i = this.firstEnding(start); i < this.extents.length && this.starts[i] < end; i++) {
            const e = this.extents[i];
            const from = Math.max(start, e.offset);
            const to = Math.min(end, e.offset + e.length);
            if (to > from) await e.read(buf, from - start, from - e.offset, to - from);
        }
        return buf;
    }

    /** The index of the first extent that ends after `pos`. */
    private firstEnding(pos: number): number {
        let lo = 0, hi = this.extents.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            const e = this.extents[mid];
            if (e.offset + e.length <= pos) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}

/**
 * Opens an image file for random reads. Any size is accepted, and a file that is none of the
 * known formats is read as a raw image whatever its name.
 */
export async function openImageDevice(file: string, opts: CacheOptions & { log?: (m: string) => void } = {}): Promise<ImageDevice> {
    const { reader } = await openImage(file, { reading: true, log: opts.log });
    try {
        const index = new ExtentIndex(reader.virtualSize);
        for await (const e of reader.extents()) index.add(e);
        const ranges = index.ranges();
        const source: DeviceSource = {
            size: reader.virtualSize,
            fetch: (start, end) => index.read(start, end),
            dataRanges: async () => ranges,
        };
        const dev = cachedDevice(source, opts);
        return Object.assign(dev, { format: reader.format, close: () => reader.close() });
    } catch (e) {
        await reader.close().catch(() => undefined);
        throw e;
    }
}
