/**
 * Downloads in flight, recorded so a window reload can offer to resume them. Records hold the disk's
 * identity, blob kinds, destination paths, file format and access — never a URL, SAS or token (the
 * shared store's guard refuses one). No vscode import: the state is any Memento-like object.
 */
import type { Logger } from '../../shared/logger';
import { PendingStore, refuseSecrets, type MementoLike, type PendingKind } from '../../shared/pendingStore';
import { isBlobKind, isDiskKind, type BlobKind, type DiskRef } from '../../shared/types';

export { containsSecret } from '../../shared/pendingStore';

export interface PendingDownload {
    ref: DiskRef;
    blobs: BlobKind[];
    /** Destination file per blob. */
    paths: Partial<Record<BlobKind, string>>;
    fileFormat: 'VHD' | 'VHDX';
    access: 'Read' | 'Write';
    /** Whether the grant included the guest-state blobs. */
    guestState: boolean;
    durationInSeconds?: number;
    startedAt: string;
}

/** Known fields only, so nothing else (like a Grant's urls) can leak in. */
function pick(input: PendingDownload): PendingDownload {
    const ref: DiskRef = {
        tenantId: input.ref.tenantId,
        subscriptionId: input.ref.subscriptionId,
        resourceGroup: input.ref.resourceGroup,
        name: input.ref.name,
        kind: input.ref.kind,
        id: input.ref.id,
    };
    const paths: Partial<Record<BlobKind, string>> = {};
    for (const b of input.blobs) if (typeof input.paths[b] === 'string') paths[b] = input.paths[b];
    return {
        ref,
        blobs: input.blobs.filter(isBlobKind),
        paths,
        fileFormat: input.fileFormat,
        access: input.access,
        guestState: input.guestState,
        durationInSeconds: input.durationInSeconds,
        startedAt: input.startedAt,
    };
}

/** The record as stored: known fields only, refused when one carries a URL or secret. */
export function makePendingRecord(input: PendingDownload): PendingDownload {
    return refuseSecrets('download', pick(input));
}

export function isPendingDownload(v: unknown): v is PendingDownload {
    if (typeof v !== 'object' || v === null) return false;
    const r = v as Record<string, unknown>;
    const ref = r.ref as Record<string, unknown> | undefined;
    return (
        typeof ref === 'object' &&
        ref !== null &&
        ['tenantId', 'subscriptionId', 'resourceGroup', 'name', 'id'].every((k) => typeof ref[k] === 'string') &&
        isDiskKind(ref.kind) &&
        Array.isArray(r.blobs) &&
        r.blobs.length > 0 &&
        r.blobs.every(isBlobKind) &&
        typeof r.paths === 'object' &&
        r.paths !== null &&
        (r.blobs as string[]).every((b) => typeof (r.paths as Record<string, unknown>)[b] === 'string') &&
        (r.fileFormat === 'VHD' || r.fileFormat === 'VHDX') &&
        (r.access === 'Read' || r.access === 'Write')
    );
}

const DOWNLOADS: PendingKind<PendingDownload> = { name: 'download', isValid: isPendingDownload, clean: pick, keyOf: (r) => r.ref.id };

/** One record per disk. */
export class PendingDownloads extends PendingStore<PendingDownload> {
    constructor(memento: MementoLike, key: string, log?: Pick<Logger, 'warn'>) {
        super(memento, key, DOWNLOADS, log);
    }

    /** Records a run; a run of other blobs of the same disk already recorded is merged in. */
    async add(rec: PendingDownload): Promise<void> {
        const prior = this.get(rec.ref.id);
        await this.put(prior ? { ...rec, blobs: [...new Set([...prior.blobs, ...rec.blobs])], paths: { ...prior.paths, ...rec.paths } } : rec);
    }

    /** Forgets the given blobs of a disk (all of them when none are given). */
    override async remove(diskId: string, blobs?: readonly BlobKind[]): Promise<void> {
        const rec = this.get(diskId);
        const left = rec && blobs ? rec.blobs.filter((b) => !blobs.includes(b)) : [];
        if (rec && left.length) await this.put({ ...rec, blobs: left });
        else await super.remove(diskId);
    }
}
