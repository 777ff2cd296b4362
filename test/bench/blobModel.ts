/**
 * Deterministic test blobs: written ranges filled from a seeded pattern whose length is a prime
 * (so a chunk written at the wrong offset changes the hash), holes of zeros, an optional VHD
 * footer. Data is served as slices of shared buffers: no per-request generation cost.
 */
import * as crypto from 'node:crypto';
import { mergeRanges, type ByteRange } from '../../src/blob/ranges';
import { buildVhdFooter, VHD_FOOTER_SIZE } from '../../src/formats/footer';

const PATTERN_LEN = 1048573; // prime
const ZEROS = Buffer.alloc(1024 * 1024);
const MiB = 1024 * 1024;

/** A small deterministic generator (xorshift32): the same seed, the same bytes, in every model. */
export function rng(seed: number): () => number {
    let s = seed >>> 0 || 1;
    return () => {
        s ^= s << 13; s >>>= 0;
        s ^= s >>> 17;
        s ^= s << 5; s >>>= 0;
        return s / 0x100000000;
    };
}

export class BlobModel {
    readonly pattern: Buffer;
    readonly footer: Buffer | undefined;
    /** Written ranges, sorted and merged (the footer included). */
    readonly ranges: ByteRange[];

    constructor(readonly size: number, ranges: ByteRange[], readonly seed: number, vhd: boolean) {
        const r = rng(seed);
        this.pattern = Buffer.allocUnsafe((PATTERN_LEN + 11) & ~3);
        for (let i = 0; i < this.pattern.length; i += 4) this.pattern.writeUInt32LE(Math.floor(r() * 0x100000000), i);
        this.footer = vhd ? buildVhdFooter(size - VHD_FOOTER_SIZE, { timestamp: new Date(Date.UTC(2025, 0, 1)), uniqueId: Buffer.alloc(16, seed & 0xff) }) : undefined;
        const all = vhd ? [...ranges, { start: size - VHD_FOOTER_SIZE, end: size }] : ranges;
        this.ranges = mergeRanges(all, 0, size);
    }

    get writtenBytes(): number {
        return this.ranges.reduce((n, r) => n + r.end - r.start, 0);
    }

    /** The bytes [start, end) as slices of shared buffers (do not modify them). */
    slices(start: number, end: number): Buffer[] {
        const out: Buffer[] = [];
        let pos = start;
        let i = lowerBound(this.ranges, pos);
        while (pos < end) {
            const r = this.ranges[i];
            if (!r || pos < r.start) {
                const stop = Math.min(end, r ? r.start : end);
                for (let p = pos; p < stop; p += ZEROS.length) out.push(ZEROS.subarray(0, Math.min(ZEROS.length, stop - p)));
                pos = stop;
                continue;
            }
            const stop = Math.min(end, r.end);
            while (pos < stop) {
                if (this.footer && pos >= this.size - VHD_FOOTER_SIZE) {
                    const fo = pos - (this.size - VHD_FOOTER_SIZE);
                    out.push(this.footer.subarray(fo, fo + (stop - pos)));
                    pos = stop;
                    break;
                }
                const limit = this.footer ? Math.min(stop, this.size - VHD_FOOTER_SIZE) : stop;
                const po = pos % PATTERN_LEN;
                const n = Math.min(limit - pos, PATTERN_LEN - po);
                out.push(this.pattern.subarray(po, po + n));
                pos += n;
            }
            i++;
        }
        return out;
    }

    read(start: number, end: number): Buffer {
        return Buffer.concat(this.slices(start, end));
    }

    /** sha256 of the whole blob (holes hashed as zeros). */
    sha256(): string {
        const h = crypto.createHash('sha256');
        const step = 64 * MiB;
        for (let p = 0; p < this.size; p += step) for (const s of this.slices(p, Math.min(this.size, p + step))) h.update(s);
        return h.digest('hex');
    }
}

function lowerBound(ranges: ByteRange[], pos: number): number {
    let lo = 0, hi = ranges.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ranges[mid].end <= pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/** `count` scattered writes covering about `fraction` of a VHD of `virtualSize` bytes (64 KiB-aligned). */
export function sparseModel(virtualSize: number, fraction: number, count: number, seed = 1): BlobModel {
    const r = rng(seed * 7919);
    const unit = 64 * 1024;
    const units = Math.floor(virtualSize / unit);
    const mean = Math.max(1, Math.round((fraction * units) / count));
    const ranges: ByteRange[] = [];
    for (let i = 0; i < count; i++) {
        const len = Math.max(1, Math.round(mean * (0.5 + r())));
        const at = Math.floor(r() * Math.max(1, units - len));
        ranges.push({ start: at * unit, end: (at + len) * unit });
    }
    return new BlobModel(virtualSize + VHD_FOOTER_SIZE, ranges, seed, true);
}

/** Every byte written. */
export function denseModel(virtualSize: number, seed = 2): BlobModel {
    return new BlobModel(virtualSize + VHD_FOOTER_SIZE, [{ start: 0, end: virtualSize }], seed, true);
}

/** Many small writes with gaps mostly above the 64 KiB merge threshold. */
export function fragmentedModel(virtualSize: number, count: number, rangeBytes: number, seed = 3): BlobModel {
    const r = rng(seed * 104729);
    const stride = Math.floor(virtualSize / count / 512) * 512;
    const ranges: ByteRange[] = [];
    for (let i = 0; i < count; i++) {
        const len = Math.max(512, Math.round((rangeBytes * (0.5 + r())) / 512) * 512);
        const at = i * stride + Math.floor((r() * Math.max(0, stride - len)) / 512) * 512;
        ranges.push({ start: at, end: Math.min(virtualSize, at + len) });
    }
    return new BlobModel(virtualSize + VHD_FOOTER_SIZE, ranges, seed, true);
}
