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
    wantMd5: boolean;
}

export function resolveSettings(opts: DownloadOptions): Settings {
    const t = opts.tuning ?? {};
    return {
        chunkSize: Math.max(512, opts.chunkSize ?? DEFAULT_CHUNK),
        concurrency: Math.min(MAX_CONNECTIONS, Math.max(1, Math.floor(opts.concurrency ?? 16))),
        mergeGap: Math.max(0, opts.mergeGap ?? DEFAULT_MERGE_GAP),
        maxAttempts: t.maxAttempts ?? 8,
        backoff: { baseDelayMs: t.baseDelayMs ?? 500, maxDelayMs: t.maxDelayMs ?? 30_000 },
        maxRegrants: t.maxRegrants ?? 3,
        idleTimeoutMs: t.idleTimeoutMs ?? 60_000,
        wantMd5: t.verifyMd5 !== false,
    };
}
