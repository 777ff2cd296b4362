/** The page-blob copy engine's options and results. No vscode import. */

export type CopyMode = 'server' | 'stream';

export interface CopyProgress {
    /** Bytes of written ranges to copy in all (unwritten ranges are never copied). */
    bytesToCopy: number;
    bytesDone: number;
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
    signal?: AbortSignal;
    onProgress?: (p: CopyProgress) => void;
    log?: (message: string) => void;
}

export interface CopyCheck {
    name: 'pageRanges' | 'sampledMd5';
    passed: boolean;
    detail?: string;
}

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
    checks: CopyCheck[];
}
