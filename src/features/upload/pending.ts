/**
 * Uploads that did not finish, so Upload on the disk's node knows its files again. Records hold the
 * disk's identity and local file paths — never a URL, SAS or token (the shared store's guard
 * refuses one). No vscode import.
 */
import type { Logger } from '../../shared/logger';
import { PendingStore, type MementoLike, type PendingKind } from '../../shared/pendingStore';
import { isBlobKind, type BlobKind, type DiskRef } from '../../shared/types';

export interface PendingUpload {
    ref: DiskRef;
    files: Partial<Record<BlobKind, string>>;
    startedAt: string;
}

function isPendingUpload(v: unknown): v is PendingUpload {
    const r = v as PendingUpload | undefined;
    return !!r && typeof r === 'object' && !!r.ref && typeof r.ref.id === 'string' && typeof r.ref.name === 'string' && !!r.files && typeof r.files === 'object';
}

function pick(rec: PendingUpload): PendingUpload {
    return {
        ref: { tenantId: rec.ref.tenantId, subscriptionId: rec.ref.subscriptionId, resourceGroup: rec.ref.resourceGroup, name: rec.ref.name, kind: rec.ref.kind, id: rec.ref.id },
        files: Object.fromEntries(Object.entries(rec.files).filter(([k, v]) => isBlobKind(k) && typeof v === 'string')),
        startedAt: rec.startedAt,
    };
}

const UPLOADS: PendingKind<PendingUpload> = { name: 'upload', isValid: isPendingUpload, clean: pick, keyOf: (r) => r.ref.id };

/** One record per disk. */
export class PendingUploads extends PendingStore<PendingUpload> {
    constructor(memento: MementoLike, key: string, log?: Pick<Logger, 'warn'>) {
        super(memento, key, UPLOADS, log);
    }
}
