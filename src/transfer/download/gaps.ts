/**
 * Adaptive gap merging: whether fetching the zeros between two written ranges in one request
 * is cheaper than a second request. Each request costs a fixed time c (round trip, the service's
 * work per request) plus its bytes at B bytes/s; a gap of g bytes costs g / B in the request
 * that spans it, so merging pays below g = c × B. Both are measured while the download runs: a
 * least-squares line through (bytes, duration) of recent requests gives c (intercept) and 1 / B
 * (slope). Some requests probe wider gaps, so the sizes vary enough to fit the line.
 */
import type { ByteRange, Chunk } from '../../blob/ranges';

/** Requests the line is fitted over (the most recent). */
const WINDOW = 256;
/** Requests between refits. */
const REFIT_EVERY = 16;
/** Every PROBE_EVERY-th request merges gaps up to PROBE_FACTOR × the current gap (at least PROBE_MIN). */
const PROBE_EVERY = 8;
const PROBE_FACTOR = 4;
const PROBE_MIN = 256 * 1024;
/** Sizes varying less than this (coefficient of variation) cannot separate c from 1 / B: no refit. */
const MIN_SPREAD = 0.25;

export interface GapTunerOptions {
    /** The gap merged from the start (the plan already merged gaps up to this). */
    minGap: number;
    /** The widest gap ever merged: bounds the extra bytes moved (and billed) per request. */
    maxGap: number;
}

export class GapTuner {
    private readonly bytes: number[] = [];
    private readonly ms: number[] = [];
    private samples = 0;
    private current: number;
    /** The last fit: fixed cost per request (ms) and bytes per ms; undefined until one fitted. */
    fit: { costMs: number; bytesPerMs: number } | undefined;

    constructor(private readonly o: GapTunerOptions) {
        this.current = o.minGap;
    }

    /** The gap merged now. */
    get gap(): number {
        return this.current;
    }

    /** The gap for the request with this sequence number: the current one, or a wider probe. */
    gapFor(seq: number): number {
        if (seq % PROBE_EVERY !== PROBE_EVERY - 1) return this.current;
        return Math.min(this.o.maxGap, Math.max(PROBE_MIN, this.current * PROBE_FACTOR));
    }

    /** A request of `bytes` took `ms` from sending it to its last byte. */
    record(bytes: number, ms: number): void {
        const i = this.samples++ % WINDOW;
        this.bytes[i] = bytes;
        this.ms[i] = ms;
        if (this.samples % REFIT_EVERY === 0) this.refit();
    }

    private refit(): void {
        const n = this.bytes.length;
        let sx = 0, sy = 0;
        for (let i = 0; i < n; i++) {
            sx += this.bytes[i];
            sy += this.ms[i];
        }
        const mx = sx / n, my = sy / n;
        let sxx = 0, sxy = 0;
        for (let i = 0; i < n; i++) {
            sxx += (this.bytes[i] - mx) ** 2;
            sxy += (this.bytes[i] - mx) * (this.ms[i] - my);
        }
        if (n < REFIT_EVERY || Math.sqrt(sxx / n) < MIN_SPREAD * mx) return;
        const slope = sxy / sxx; // ms per byte
        const costMs = my - slope * mx;
        // Bigger requests not slower: bytes are (nearly) free, requests are not. A request that
        // costs nothing (negative intercept) makes merging pointless.
        const breakEven = slope <= 0 ? this.o.maxGap : costMs <= 0 ? 0 : costMs / slope;
        this.fit = { costMs, bytesPerMs: slope > 0 ? 1 / slope : Infinity };
        const target = Math.min(this.o.maxGap, Math.max(this.o.minGap, breakEven));
        // Halfway there per refit, so one noisy fit moves it only so far; the last per cent at once.
        const next = Math.round((this.current + target) / 2);
        this.current = Math.abs(next - target) <= target / 100 ? Math.round(target) : next;
    }
}

/**
 * The widest gap that can be merged while all the gaps up to it add at most `budget` bytes: the
 * smallest gaps are merged first, so the bytes moved (and billed) stay within plan + budget.
 */
export function widestGapWithin(ranges: ByteRange[], budget: number): number {
    const gaps: number[] = [];
    for (let i = 1; i < ranges.length; i++) gaps.push(ranges[i].start - ranges[i - 1].end);
    gaps.sort((a, b) => a - b);
    let sum = 0, widest = 0;
    for (const g of gaps) {
        if (sum + g > budget) break;
        sum += g;
        widest = g;
    }
    return widest;
}

/**
 * Hands out chunks of the ranges to fetch in order, each at most `limit(seq)` bytes, merging
 * the gaps up to the gap asked for at the time (the chunk spans them; only the written parts
 * reach the disk).
 */
export class ChunkQueue {
    private ri = 0;
    private pos: number;
    private seq = 0;

    /** `mergeable(end, start)`: whether the gap [end, start) may be fetched (it holds nothing already on disk). */
    private readonly limit: (seq: number) => number;

    constructor(private readonly ranges: ByteRange[], limit: number | ((seq: number) => number), private readonly mergeable: (end: number, start: number) => boolean = () => true) {
        this.pos = ranges[0]?.start ?? 0;
        this.limit = typeof limit === 'number' ? () => limit : limit;
    }

    /** Chunks handed out so far. */
    get taken(): number {
        return this.seq;
    }

    next(gapFor: (seq: number) => number): Chunk | undefined {
        const r = this.ranges;
        if (this.ri >= r.length) return undefined;
        const gap = gapFor(this.seq);
        const start = this.pos;
        const limit = start + this.limit(this.seq);
        let end = Math.min(r[this.ri].end, limit);
        // Span following ranges while the gap before them is small enough and they start in this chunk.
        while (end === r[this.ri].end && this.ri + 1 < r.length && r[this.ri + 1].start - end <= gap && r[this.ri + 1].start < limit && this.mergeable(end, r[this.ri + 1].start)) {
            this.ri++;
            end = Math.min(r[this.ri].end, limit);
        }
        if (end === r[this.ri].end) {
            this.ri++;
            this.pos = r[this.ri]?.start ?? end;
        } else {
            this.pos = end;
        }
        return { index: this.seq++, start, end };
    }
}
