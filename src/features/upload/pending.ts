/**
 * Uploads that did not finish, so Upload on the disk's node knows its files again. Records hold the
 * disk's identity and local file paths — never a URL, SAS or token. No vscode import.
 */
import type { BlobKind, DiskRef } from '../../shared/types';

export interface PendingUpload {
    ref: DiskRef;
    files: Partial<Record<BlobKind, string>>;
    startedAt: string;
}

export interface MementoLike {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export class PendingUploads {
    constructor(private readonly memento: MementoLike, private readonly key: string) {}

    all(): PendingUpload[] {
        const v = this.memento.get<unknown>(this.key);
        return Array.isArray(v) ? v.filter(isPendingUpload) : [];
    }

    get(diskId: string): PendingUpload | undefined {
        return this.all().find((r) => r.ref.id.toLowerCase() === diskId.toLowerCase());
    }

    async put(rec: PendingUpload): Promise<void> {
        const clean: PendingUpload = {
            ref: { tenantId: rec.ref.tenantId, subscriptionId: rec.ref.subscriptionId, resourceGroup: rec.ref.resourceGroup, name: rec.ref.name, kind: rec.ref.kind, id: rec.ref.id },
            files: Object.fromEntries(Object.entries(rec.files).filter(([k, v]) => (k === 'disk' || k === 'vmgs' || k === 'vmmd') && typeof v === 'string')),
            startedAt: rec.startedAt,
        };
        if (/[?&]sig=|https?:\/\//i.test(JSON.stringify(clean))) throw new Error('A pending-upload record must not contain a URL or secret.');
        await this.memento.update(this.key, [...this.all().filter((r) => r.ref.id.toLowerCase() !== rec.ref.id.toLowerCase()), clean]);
    }

    async remove(diskId: string): Promise<void> {
        await this.memento.update(this.key, this.all().filter((r) => r.ref.id.toLowerCase() !== diskId.toLowerCase()));
    }
}

function isPendingUpload(v: unknown): v is PendingUpload {
    const r = v as PendingUpload | undefined;
    return !!r && typeof r === 'object' && !!r.ref && typeof r.ref.id === 'string' && typeof r.ref.name === 'string' && !!r.files && typeof r.files === 'object';
}
