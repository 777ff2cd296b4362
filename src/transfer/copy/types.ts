/** The page-blob copy engine's options and results. No vscode import. */
import type { TransferCheck } from '../../shared/checks';
import type { TransferProgress } from '../core/types';

export type CopyMode = 'server' | 'stream';

/** The one progress model; `bytesPlanned` counts written ranges only (unwritten ones are never copied). */
export interface CopyProgress extends TransferProgress {
    /** How the latest range was copied: 'stream' once the service has refused server-side copies. */
    mode: CopyMode;
}

export interface CopyOptions {
    /** Read SAS of the source blob. */
    sourceUrl: string;
    /** Write SAS of the target blob (a disk created for upload, at least as large). */
    targetUrl: string;
    /** Where completed ranges are recorded, so an interrupted copy resumes; none: no resume. */
    journalPath?: string;
    /** Names the pair across re-grants (SAS URLs change); default: both URLs without their queries. */
    resumeKey?: string;
    /** 'auto' (default): Put Page From URL, streaming through the client where the service refuses it. */
    mode?: 'auto' | CopyMode;
    /** Parallel requests (default 8). */
    concurrency?: number;
    /** Ranges sampled for the MD5 comparison after the copy (default 8; 0 skips it). */
    verifySamples?: number;
    /** Fresh SAS URLs for the same blobs when a grant expires or is revoked mid-copy; reject to stop. */
    refreshSource?: () => Promise<string>;
    refreshTarget?: () => Promise<string>;
    /**
     * Entra-ID-protected disks: the bearer token of each side, asked for per request (cache and
     * renew it). The source's also goes with Put Page From URL as x-ms-copy-source-authorization.
     */
    sourceAuthorization?: () => Promise<string>;
    targetAuthorization?: () => Promise<string>;
    signal?: AbortSignal;
    onProgress?: (p: CopyProgress) => void;
    tuning?: CopyTuning;
    log?: (message: string) => void;
}

/** Limits of one copy's requests; defaults suit real use. */
export interface CopyTuning {
    /** A socket silent this long is dropped and the request retried (default 60 s). */
    idleTimeoutMs?: number;
    /** Attempts per request (default 6). */
    maxAttempts?: number;
    /** Backoff base and cap (defaults 200 ms, 10 s); Retry-After is honoured on top. */
    baseDelayMs?: number;
    maxDelayMs?: number;
}

export type CopyCheck = TransferCheck<'page-ranges' | 'sampled-md5'>;

export interface CopyResult {
    size: number;
    /** 'stream' when any range went through the client. */
    mode: CopyMode;
    bytesWritten: number;
    bytesServerSide: number;
    bytesStreamed: number;
    /** Already copied by an earlier, interrupted run (from the journal). */
    bytesResumed: number;
    requests: number;
    /** Requests retried, and SAS re-grants (source and target together). */
    retries: number;
    regrants: number;
    checks: CopyCheck[];
}
