/**
 * Copies that did not finish, so Copy to… on the same source (or the offer after a reload) resumes
 * them. Records hold the two resources' identities and the blobs copied — never a URL, SAS or
 * token (the shared store's guard refuses one); the ranges already copied are in each blob's
 * journal. No vscode import.
 */
import type { Logger } from '../../shared/logger';
import { PendingStore, type MementoLike, type PendingKind } from '../../shared/pendingStore';
import { isBlobKind, type BlobKind, type DiskRef } from '../../shared/types';

export interface PendingCopy {
    source: DiskRef;
    target: DiskRef;
    blobs: BlobKind[];
    startedAt: string;
    /** The target's timeCreated: a disk of the same name made again later is not this copy's target. */
    targetCreated?: string;
}

function cleanRef(r: DiskRef): DiskRef {
    return { tenantId: r.tenantId, subscriptionId: r.subscriptionId, resourceGroup: r.resourceGroup, name: r.name, kind: r.kind === 'snapshot' ? 'snapshot' : 'disk', id: r.id };
}

function isRef(v: unknown): v is DiskRef {
    const r = v as Record<string, unknown> | undefined;
    return !!r && typeof r === 'object' && ['tenantId', 'subscriptionId', 'resourceGroup', 'name', 'id'].every((k) => typeof r[k] === 'string') && (r.kind === 'disk' || r.kind === 'snapshot');
}

export function isPendingCopy(v: unknown): v is PendingCopy {
    const r = v as Record<string, unknown> | undefined;
    return !!r && typeof r === 'object' && isRef(r.source) && isRef(r.target) && Array.isArray(r.blobs) && r.blobs.length > 0 && r.blobs.every(isBlobKind) && typeof r.startedAt === 'string';
}

function pick(rec: PendingCopy): PendingCopy {
    return { source: cleanRef(rec.source), target: cleanRef(rec.target), blobs: rec.blobs.filter(isBlobKind), startedAt: rec.startedAt, ...(rec.targetCreated ? { targetCreated: rec.targetCreated } : {}) };
}

/** The key naming one blob's copy in its journal: source blob → target resource, case-folded. */
export function copyKey(source: DiskRef, blob: BlobKind, target: DiskRef): string {
    return `${source.id.toLowerCase()}#${blob}->${target.id.toLowerCase()}`;
}

/** One record per target: a second copy into the same target replaces the first. */
const COPIES: PendingKind<PendingCopy> = { name: 'copy', isValid: isPendingCopy, clean: pick, keyOf: (r) => r.target.id };

export class PendingCopies extends PendingStore<PendingCopy> {
    constructor(memento: MementoLike, key: string, log?: Pick<Logger, 'warn'>) {
        super(memento, key, COPIES, log);
    }

    /** Unfinished copies out of `sourceId`, newest first. */
    from(sourceId: string): PendingCopy[] {
        const id = sourceId.toLowerCase();
        return this.all().filter((r) => r.source.id.toLowerCase() === id).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    }
}
