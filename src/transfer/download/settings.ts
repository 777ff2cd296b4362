/** The knobs one download runs with, resolved once from DownloadOptions and their defaults. */
import { DEFAULT_CHUNK, DEFAULT_MERGE_GAP } from '../plan';
import type { DownloadOptions } from '../types';

export const MAX_CONNECTIONS = 64;

export interface Settings {
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
 * 'every' range asks for its Content-MD5; a 'sample' of them (each connection's first range,
 * then one in SAMPLE_EVERY); or 'none'.
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

/** Whether the chunk with this index asks for its MD5, `connections` fetching at once. */
export function asksMd5(rule: RangeMd5, index: number, connections: number): boolean {
    if (rule === 'every') return true;
    if (rule === 'none') return false;
    return index < connections || index % SAMPLE_EVERY === 0;
}

export function resolveSettings(opts: DownloadOptions): Settings {
    const t = opts.tuning ?? {};
    const rangeMd5 = rangeMd5Rule(opts.url, t.verifyMd5);
    return {
        chunkSize: Math.max(512, opts.chunkSize ?? DEFAULT_CHUNK),
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
