/** The knobs one download runs with, resolved once from DownloadOptions and their defaults. */
import { DEFAULT_CHUNK, DEFAULT_MERGE_GAP, type Chunk } from '../../blob/ranges';
import type { DownloadOptions } from '../core/types';

import { MAX_CONNECTIONS } from '../../blob/session';

export { MAX_CONNECTIONS };
/** The largest range the service will send a Content-MD5 for. */
export const MD5_MAX = 4 * 1024 * 1024;
/**
 * Chunks that do not ask for their MD5 (the default over https, and all but the sample over
 * http): half the requests of 4 MiB ones, and 16 connections × 1.25 slots still fit the chunk
 * memory budget. (Azurite also hashes every range up to 4 MiB whether asked or not.)
 */
export const UNCHECKED_CHUNK = 8 * 1024 * 1024;

export interface Settings {
    /** Largest chunk; a chunk that asks for its MD5 is at most MD5_MAX. */
    chunkSize: number;
    /** Connections asked for (a fragmented disk may get more, see connections.ts). */
    concurrency: number;
    mergeGap: number;
    maxAttempts: number;
    backoff: { baseDelayMs: number; maxDelayMs: number };
    maxRegrants: number;
    idleTimeoutMs: number;
    /** Which ranges ask for their Content-MD5 (see rangeMd5Rule). */
    rangeMd5: RangeMd5;
    /** Any range may ask for its MD5 (MD5 threads and chunk memory are set up for it). */
    wantMd5: boolean;
}

/**
 * 'every' range asks for its Content-MD5; a 'sample' of them (the first range, then one in
 * SAMPLE_EVERY); or 'none'.
 */
export type RangeMd5 = 'every' | 'sample' | 'none';

/** In a sample, one range in this many asks for its MD5 (after each connection's first). */
export const SAMPLE_EVERY = 32;

/**
 * What the range MD5 is worth per transport, unless tuning.verifyMd5 says (true: every range;
 * false: none). Over https the TLS record MACs already guarantee every byte the service sent, so
 * the MD5 could only catch a fault in this client's own HTTP parsing — which the length check of
 * every range and the unit tests guard — while it costs the service a hash of every range and
 * this client ~1.3 × the disk writes in CPU: none. Plain http is allowed only to a loopback host
 * (an emulator): no wire to corrupt bytes, and no MAC either, so a sample checks that the bytes
 * this client assembles are the bytes served, for a few per cent of the cost of checking all.
 */
export function rangeMd5Rule(url: string, verifyMd5: boolean | undefined): RangeMd5 {
    if (verifyMd5 === true) return 'every';
    if (verifyMd5 === false) return 'none';
    return new URL(url).protocol === 'https:' ? 'none' : 'sample';
}

/**
 * Whether the chunk with this index asks for its MD5. A sample is ~3 % of the ranges: each one
 * asked costs the service a hash of it and this client another, where the service and the client
 * share the same cores (the loopback emulator).
 */
export function asksMd5(rule: RangeMd5, index: number): boolean {
    if (rule === 'every') return true;
    if (rule === 'none') return false;
    return index % SAMPLE_EVERY === 0;
}

export function resolveSettings(opts: DownloadOptions): Settings {
    const t = opts.tuning ?? {};
    const rangeMd5 = rangeMd5Rule(opts.url, t.verifyMd5);
    return {
        chunkSize: Math.max(512, opts.chunkSize ?? (rangeMd5 === 'every' ? DEFAULT_CHUNK : UNCHECKED_CHUNK)),
        concurrency: Math.min(MAX_CONNECTIONS, Math.max(1, Math.floor(opts.concurrency ?? 16))),
        mergeGap: Math.max(0, opts.mergeGap ?? DEFAULT_MERGE_GAP),
        maxAttempts: t.maxAttempts ?? 8,
        backoff: { baseDelayMs: t.baseDelayMs ?? 500, maxDelayMs: t.maxDelayMs ?? 30_000 },
        maxRegrants: t.maxRegrants ?? 3,
        idleTimeoutMs: t.idleTimeoutMs ?? 60_000,
        rangeMd5,
        wantMd5: rangeMd5 !== 'none',
    };
}

/** Which chunks ask for their Content-MD5: the rule, and every range once a sampled one failed. */
export class Md5Sampler {
    private everyRange = false;

    constructor(private readonly rule: RangeMd5, private readonly log: (m: string) => void) {}

    /** Whether the chunk with this index asks for its MD5. */
    wants(index: number): boolean {
        return this.everyRange || asksMd5(this.rule, index);
    }

    /** Whether this chunk asks (the service sends none above MD5_MAX). */
    asks(c: Chunk): boolean {
        return c.end - c.start <= MD5_MAX && this.wants(c.index);
    }

    /** The largest chunk with this index: MD5_MAX when it asks for its MD5. */
    limit(index: number, chunkSize: number): number {
        return this.wants(index) ? Math.min(chunkSize, MD5_MAX) : chunkSize;
    }

    /** A range did not match its MD5: in a sample, check every range from now on. */
    mismatched(): void {
        if (this.everyRange || this.rule !== 'sample') return;
        this.everyRange = true;
        this.log('a sampled range did not match its Content-MD5: checking every range from now on');
    }
}
