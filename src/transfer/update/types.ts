/** Bringing a downloaded snapshot up to date from a newer one of the same disk. No vscode import. */
import type { ByteRange } from '../../blob/ranges';
import type { TransferCheck } from '../../shared/checks';
import type { TransferProgress } from '../core/types';

/** The one progress model: `bytesPlanned` counts updated and cleared bytes. */
export type UpdateProgress = TransferProgress;

export type UpdateCheck = TransferCheck<'content-length' | 'size' | 'range-md5' | 'sampled-md5' | 'vhd-footer' | 'vhdx-signature'>;

export interface UpdateTuning {
    /** Largest range per request (default 4 MiB, at most 8 MiB, at least 64 KiB). */
    chunkSize?: number;
    /** Requests in flight (default 8, at most 64). */
    concurrency?: number;
    /** A socket silent this long is dropped and the request retried (default 60 s). */
    idleTimeoutMs?: number;
    /** Attempts per request (default 6); backoff base and cap (defaults 200 ms, 10 s). */
    maxAttempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
    /** Listing window and page size hint (defaults: the service's). */
    listWindow?: number;
    listPageSize?: number;
    /** Regions of the file read back from the newer snapshot after the update (default 8; 0 skips it). */
    verifySamples?: number;
    /** Cleared ranges at least this long are punched as holes where the file system can (default 64 KiB). */
    punchMinBytes?: number;
    /** Progress callback period (default 250 ms). */
    progressIntervalMs?: number;
}

export interface UpdateOptions {
    /** The earlier download: a file that holds the older snapshot. */
    filePath: string;
    /** Read SAS of the newer incremental snapshot (a secret: never logged). */
    newerUrl: string;
    /** Read SAS of the older snapshot, the one the file holds (sent as prevsnapshoturl). */
    olderUrl: string;
    /** Fresh SAS URLs for the same snapshots when a grant expires or is revoked; reject to stop. */
    refreshNewer?: () => Promise<string>;
    refreshOlder?: () => Promise<string>;
    /** Entra-ID-protected disks: the bearer token, asked for per request (cache and renew it). */
    authorization?: () => Promise<string>;
    /** Names the pair across re-grants (SAS URLs may change); default: both URLs without their queries. */
    resumeKey?: string;
    signal?: AbortSignal;
    onProgress?: (p: UpdateProgress) => void;
    /** Diagnostics without secrets. */
    log?: (message: string) => void;
    tuning?: UpdateTuning;
}

export interface UpdateResult {
    totalSize: number;
    /** Bytes of updated ranges fetched by this run (a resumed run counts only its own). */
    bytesFetched: number;
    /** Bytes of cleared ranges zeroed by this run (punched or written). */
    bytesCleared: number;
    /** Bytes an interrupted run had already brought up to date. */
    bytesResumed: number;
    /** Bytes read back from the newer snapshot to check the result (not part of bytesFetched). */
    bytesChecked: number;
    /** Ranges the service listed as updated and as cleared. */
    rangesUpdated: number;
    rangesCleared: number;
    /** Requests made (listing, ranges, checks), requests retried, SAS re-grants (both snapshots). */
    requests: number;
    retries: number;
    regrants: number;
    checks: UpdateCheck[];
    /** Plain-language notes for the log: holes not punched, size changes, fallbacks taken. */
    notes: string[];
}

/** Where a file stands: 'between' while an update has started and not finished (its journal is there). */
export type UpdateState = 'complete' | 'between' | 'missing';

export interface DownloadChangesOptions extends Omit<UpdateOptions, 'filePath'> {
    /** A new sparse file of the newer snapshot's size holding the updated ranges at their offsets. */
    destPath: string;
}

/** The list written beside the changes file (`<dest>.changes.json`), half-open byte ranges. No secrets. */
export interface ChangeList {
    v: 1;
    size: number;
    updated: ByteRange[];
    cleared: ByteRange[];
}

export interface DownloadChangesResult extends Omit<UpdateResult, 'bytesCleared'> {
    path: string;
    listPath: string;
}
