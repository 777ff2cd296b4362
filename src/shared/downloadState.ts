/** What a download is doing, per disk and blob: the tracker's rows and events, shown by the access panel. No imports but types. */
import type { BlobKind } from './types';

export interface ProgressInfo {
    bytesDone: number;
    bytesPlanned: number;
    totalSize: number;
    bytesPerSecond: number;
    etaSeconds?: number;
}

export interface CheckInfo {
    name: string;
    passed: boolean;
    detail?: string;
}

export type DownloadStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface DownloadRowState {
    blob: BlobKind;
    status: DownloadStatus;
    progress?: ProgressInfo;
    checks?: CheckInfo[];
    message?: string;
    /** File name (not a path) the blob is saved as. */
    fileName?: string;
    /** The run continues a partial download. */
    resumed?: boolean;
}

/** What the tracker announces; the access panel forwards these to its page as they are. */
export type DownloadEvent =
    | ({ type: 'progress'; blob: BlobKind } & ProgressInfo)
    | { type: 'downloadStarted'; blob: BlobKind; fileName?: string; resumed?: boolean }
    | { type: 'downloadDone'; blob: BlobKind; checks: CheckInfo[]; fileName?: string }
    | { type: 'downloadFailed'; blob: BlobKind; message: string; cancelled?: boolean };
