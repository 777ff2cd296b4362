/** The pure parts of planning a download: which files, what to do with files already there, space. No vscode import. */
import * as path from 'node:path';
import type { BlobKind } from '../../shared/types';
import { blobFileName } from './names';

export interface PlannedFile {
    blob: BlobKind;
    fileName: string;
    destPath: string;
}

export function planFiles(folder: string, diskName: string, fileFormat: 'VHD' | 'VHDX', blobs: readonly BlobKind[]): PlannedFile[] {
    return blobs.map((blob) => {
        const fileName = blobFileName(diskName, blob, fileFormat);
        return { blob, fileName, destPath: path.join(folder, fileName) };
    });
}

export interface ExistingFiles {
    file: boolean;
    partial: boolean;
    journal: boolean;
}

/**
 * - a partial with a journal is resumed, never overwritten (even when the final file also exists,
 *   the partial is the newer, unfinished attempt);
 * - an existing final file needs the user's consent to overwrite;
 * - a partial without a journal holds nothing reusable: it is simply rewritten.
 */
export type ExistingDecision = 'fresh' | 'resume' | 'askOverwrite';

export function decideExisting(e: ExistingFiles): ExistingDecision {
    if (e.partial && e.journal) return 'resume';
    if (e.file) return 'askOverwrite';
    return 'fresh';
}

export interface SpaceVerdict {
    /** True when the known free space is below what the download could need. */
    mayNotFit: boolean;
    /** The figure to mention: the size still to be written, or undefined when unknown. */
    needed?: number;
}

/**
 * A sparse download writes only the blob's written ranges, which are unknown before listing them,
 * so the full size is only a warning figure: the download proceeds and a real ENOSPC stops it.
 */
export function checkSpace(freeBytes: number | undefined, totalSizes: readonly (number | undefined)[]): SpaceVerdict {
    if (totalSizes.some((s) => s === undefined)) return { mayNotFit: false, needed: undefined };
    const needed = totalSizes.reduce<number>((a, b) => a + (b ?? 0), 0);
    if (freeBytes === undefined) return { mayNotFit: false, needed };
    return { mayNotFit: freeBytes < needed, needed };
}

/** Bytes of a disk's VHD blob from what the tree knows: virtual size + the 512-byte footer. */
export function diskBlobSize(d: { sizeBytes?: number; sizeGiB?: number }): number | undefined {
    if (typeof d.sizeBytes === 'number' && d.sizeBytes > 0) return d.sizeBytes + 512;
    if (typeof d.sizeGiB === 'number' && d.sizeGiB > 0) return d.sizeGiB * 1024 ** 3 + 512;
    return undefined;
}
