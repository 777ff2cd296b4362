/** Public contract of the transfer engine. Plain Node: no vscode import anywhere under src/transfer. */
import type { TransferCheck } from '../../shared/checks';

/**
 * The one progress model every transfer reports (download, upload, copy and the plans built on
 * them); a plan may add its own fields.
 */
export interface TransferProgress {
    /** Bytes of the plan handled so far (including bytes a resumed run had already handled). */
    bytesDone: number;
    /** Bytes the plan handles in all: written ranges only, never holes. */
    bytesPlanned: number;
    /** Size of the blob / output file. */
    totalSize: number;
    /** Recent throughput, bytes per second. */
    bytesPerSecond: number;
    /** Estimated seconds remaining, undefined while unknown. */
    etaSeconds?: number;
}

/** A download's checks: the names come from the one list every transfer shares. */
export type VerificationCheck = TransferCheck<'content-length' | 'range-md5' | 'size' | 'vhd-footer' | 'vhdx-signature'>;

export interface DownloadOptions {
    /** SAS URL of the blob (a secret: never logged). https, or http on a loopback host only. */
    url: string;
    /** Final file path. Work happens in `<destPath>.partial` with a journal beside it. */
    destPath: string;
    /** Expected format, for verification. 'auto' picks VHD footer or VHDX signature by content. */
    format?: 'vhd' | 'vhdx' | 'auto' | 'none';
    /** Largest range per request (default 8 MiB; 4 MiB where the range asks for its MD5, and every range does when verifyMd5 is true). */
    chunkSize?: number;
    /** Connections (default 16, max 64). When the chunks average under 1 MiB and a quarter chunk (a fragmented disk), up to 4 × this, at most 64. */
    concurrency?: number;
    mergeGap?: number; // default 64 KiB
    signal?: AbortSignal;
    onProgress?: (p: TransferProgress) => void;
    /** Called when the SAS expired (403 on a range). Resolves to a fresh SAS URL for the same blob; reject to stop. */
    refreshUrl?: () => Promise<string>;
    /** Entra-ID-protected disks: the bearer token sent with every request, asked for per request (cache and renew it). */
    authorization?: () => Promise<string>;
    /**
     * Identity of the data for resume, when the URL may change between grants (a re-grant after a
     * window reload can hand out a different blob URL for the same disk): e.g. the disk's ARM id +
     * blob kind. Without it the identity is the URL without its query. Size is always compared.
     */
    resumeKey?: string;
    /** Diagnostics without secrets. */
    log?: (message: string) => void;
    /** Knobs for tests and the benchmark; defaults suit real use. */
    tuning?: TransferTuning;
}

export interface TransferTuning {
    /** A socket silent this long is dropped and the range retried (default 60 s; not a whole-request limit). */
    idleTimeoutMs?: number;
    /** Attempts per range before giving up (default 8). */
    maxAttempts?: number;
    /** Backoff base and cap (defaults 500 ms, 30 s); Retry-After is honoured on top. */
    baseDelayMs?: number;
    maxDelayMs?: number;
    /**
     * Ask for x-ms-range-get-content-md5 on ranges ≤ 4 MiB: true on every range, false on none.
     * Default, per transport: none over https (TLS already guarantees the bytes); over plain http
     * (loopback emulators only) each connection's first range and one in 32 after, and every
     * range once one of those did not match.
     */
    verifyMd5?: boolean;
    /**
     * Threads hashing chunks for the MD5 check. Direct transport: each chunk is already whole in
     * shared memory and is hashed on N threads (default: one per core, 1…4; 0 hashes on the main
     * thread). node:http transport: 0 (default) hashes on the main thread as the body arrives, with
     * no copy; N > 0 assembles each chunk in shared memory and hashes it on N threads.
     */
    md5Workers?: number;
    /**
     * How range bodies travel. 'auto' (default): straight into chunk buffers over plain sockets
     * (see direct.ts) when the first request went straight to the storage host, node:http when it
     * went through a proxy or a direct connection fails. 'direct' and 'node' force one.
     */
    transport?: 'auto' | 'direct' | 'node';
    /**
     * Merge gaps wider than mergeGap when requests turn out to cost more than the bytes they
     * would skip, measured while the download runs (default true; an explicit mergeGap turns it off).
     */
    adaptiveMerge?: boolean;
    /** Page-range listing window in bytes (default 256 GiB) and page size hint. */
    listWindow?: number;
    listPageSize?: number;
    /** Progress callback period (default 250 ms). */
    progressIntervalMs?: number;
    /** SAS re-grants in a row without progress before giving up with SasExpired (default 3). */
    maxRegrants?: number;
    /**
     * When the journal beside an existing partial names another blob (or the blob changed):
     * false (default) throws TransferError('BlobChanged') and leaves the partial alone;
     * true discards the partial and starts over.
     */
    restartOnMismatch?: boolean;
}

export interface DownloadResult {
    path: string;
    totalSize: number;
    /** Bytes this run fetched over the network. */
    bytesFetched: number;
    /** Bytes that were already in the partial from an earlier run. */
    bytesResumed: number;
    /** Written bytes per the page ranges (what a sparse file allocates). */
    bytesWritten: number;
    checks: VerificationCheck[];
    /** False where holes could not be kept (Windows without the sparse flag). */
    sparse?: boolean;
    /** Plain-language notes for the log (e.g. the Windows sparse caveat, fallbacks taken). */
    notes?: string[];
    /** Ranged GETs retried, and SAS re-grants, during this run. */
    retries?: number;
    regrants?: number;
    /** How the range bodies travelled: 'direct' sockets or 'node' (node:http); absent when nothing was fetched. */
    transport?: 'direct' | 'node';
}

export { TransferError, type TransferErrorCode } from '../../blob/errors';
