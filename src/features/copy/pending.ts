/**
 * Copies that did not finish, so Copy to… on the same source (or the offer after a reload) resumes
 * them. Records hold the two resources' identities and the blobs copied — never a URL, SAS or
 * token; the ranges already copied are in each blob's journal. No vscode import.
 */
import type { BlobKind, DiskRef } from '../../shared/types';

export interface PendingCopy {
    source: DiskRef;
    target: DiskRef;
    blobs: BlobKind[];
    startedAt: string;
    /** The target's timeCreated: a disk of the same name made again later is not this copy's target. */
    targetCreated?: string;
}

export interface MementoLike {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

const KINDS = new Set<string>(['disk', 'vmgs', 'vmmd']);

function cleanRef(r: DiskRef): DiskRef {
    return { tenantId: r.tenantId, subscriptionId: r.subscriptionId, resourceGroup: r.resourceGroup, name: r.name, kind: r.kind === 'snapshot' ? 'snapshot' : 'disk', id: r.id };
}

function isRef(v: unknown): v is DiskRef {
    const r = v as Record<string, unknown> | undefined;
    return !!r && typeof r === 'object' && ['tenantId', 'subscriptionId', 'resourceGroup', 'name', 'id'].every((k) => typeof r[k] === 'string') && (r.kind === 'disk' || r.kind === 'snapshot');
}

export function isPendingCopy(v: unknown): v is PendingCopy {
    const r = v as Record<string, unknown> | undefined;
    return !!r && typeof r === 'object' && isRef(r.source) && isRef(r.target) && Array.isArray(r.blobs) && r.blobs.length > 0 && r.blobs.every((b) => KINDS.has(b as string)) && typeof r.startedAt === 'string';
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The key naming one blob's copy in its journal: source blob → target resource, case-folded. */
export function copyKey(source: DiskRef, blob: BlobKind, target: DiskRef): string {
    return `${source.id.toLowerCase()}#${blob}->${target.id.toLowerCase()}`;
}

export class PendingCopies {
    constructor(private readonly memento: MementoLike, private readonly key: string) {}

    all(): PendingCopy[] {
        const v = this.memento.get<unknown>(this.key);
        return Array.isArray(v) ? v.filter(isPendingCopy) : [];
    }

    /** Unfinished copies out of `sourceId`, newest first. */
    from(sourceId: string): PendingCopy[] {
        return this.all().filter((r) => same(r.source.id, sourceId)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    }

    async put(rec: PendingCopy): Promise<void> {
        const clean: PendingCopy = { source: cleanRef(rec.source), target: cleanRef(rec.target), blobs: rec.blobs.filter((b) => KINDS.has(b)), startedAt: rec.startedAt, ...(rec.targetCreated ? { targetCreated: rec.targetCreated } : {}) };
        if (/[?&]sig=|https?:\/\//i.test(JSON.stringify(clean))) throw new Error('A pending-copy record must not contain a URL or secret.');
        await this.memento.update(this.key, [...this.all().filter((r) => !same(r.target.id, clean.target.id)), clean]);
    }

    /** Forgets the copy into `targetId`. */
    async remove(targetId: string): Promise<void> {
        const all = this.all();
        const next = all.filter((r) => !same(r.target.id, targetId));
        if (next.length !== all.length) await this.memento.update(this.key, next.length ? next : undefined);
    }
}
