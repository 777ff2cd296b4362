/** Public contract of the upload engine. */
import type { TransferCheck } from '../../shared/checks';
import type { TransferProgress } from '../core/types';
import type { ImageInfo } from '../../formats/inspect';
import type { BlobKind } from '../../shared/types';
import type { ImageFormat } from '../../formats/types';

/**
 * The one progress model: `bytesDone`/`bytesPlanned` count virtual-disk bytes of data extents
 * (sent, or found to be zeros; holes excluded), `totalSize` is the page blob's size.
 */
export interface UploadProgress extends TransferProgress {
    /** Bytes sent over the network so far (this run). */
    bytesSent: number;
}

export type UploadCheck = TransferCheck<'size' | 'range-md5' | 'page-ranges' | 'vhd-footer'>;

export interface UploadTuning {
    /** A socket silent this long is dropped and the request retried (default 60 s). */
    idleTimeoutMs?: number;
    /** Attempts per request (default 8). */
    maxAttempts?: number;
    /** Backoff base and cap (defaults 500 ms, 30 s); Retry-After is honoured on top. */
    baseDelayMs?: number;
    maxDelayMs?: number;
    /** Progress callback period (default 250 ms). */
    progressIntervalMs?: number;
}

export interface UploadOptions {
    /** The image file: raw, fixed or dynamic VHD, VHDX or qcow2 (see inspectImage). */
    imagePath: string;
    /** Write SAS URL of the page blob (a secret: never logged). https, or http on a loopback host only. */
    url: string;
    /** 'disk' (default; 20 MiB … 32 TiB), 'vmgs' or 'vmmd' (guest state blobs: no minimum size). */
    kind?: BlobKind;
    /**
     * Resume journal path (e.g. beside the job's other state). When given, finished chunks are
     * journaled and a later call continues from them; a journal naming another image or blob is
     * refused with TransferError('BlobChanged'). Deleted after a verified upload.
     */
    journalPath?: string;
    /**
     * Identity of the blob for resume when the URL may change between grants (e.g. the disk's ARM
     * id + blob kind). Without it the identity is the URL without its query. Size is always compared.
     */
    resumeKey?: string;
    /** Put Page size, a multiple of 512, at most 4 MiB (default 4 MiB). */
    chunkSize?: number;
    /** Connections (default 16, max 64). */
    concurrency?: number;
    /**
     * Zero pages inside data are not sent, but a zero run shorter than this is sent along with its
     * neighbours rather than splitting the request (default 64 KiB).
     */
    zeroGap?: number;
    /** Bytes of chunk memory at most (default 160 MiB). */
    memoryBudget?: number;
    signal?: AbortSignal;
    onProgress?: (p: UploadProgress) => void;
    /** Called when the SAS expired (403). Resolves to a fresh SAS URL for the same blob; reject to stop. */
    refreshUrl?: () => Promise<string>;
    /** Entra-ID-protected disks: the bearer token sent with every request, asked for per request (cache and renew it). */
    authorization?: () => Promise<string>;
    /** Diagnostics without secrets. */
    log?: (message: string) => void;
    tuning?: UploadTuning;
}

export interface UploadResult {
    format: ImageFormat;
    image: ImageInfo;
    blobSize: number;
    /** Bytes of data (and footer) this run sent. */
    bytesSent: number;
    /** Bytes of the blob not sent because they are zeros (holes, zero pages), or were sent by an earlier run. */
    bytesSkipped: number;
    /** Bytes an earlier run sent (from the journal). */
    bytesResumed: number;
    /** Put Page requests this run (retries excluded). */
    requests: number;
    retries: number;
    /** SAS re-grants during this run. */
    regrants: number;
    checks: UploadCheck[];
    notes: string[];
}
