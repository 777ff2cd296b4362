/**
 * Downloads in flight, recorded so a window reload can offer to resume them. Records hold the disk's
 * identity, blob kinds, destination paths, file format and access — never a URL, SAS or token.
 * No vscode import: the store is any Memento-like object.
 */
import { isDiskKind, type BlobKind, type DiskRef } from '../../shared/types';

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

export interface MementoLike {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

const KINDS = new Set(['disk', 'vmgs', 'vmmd']);

/** Refuses anything that looks like it carries a secret. */
export function containsSecret(value: unknown): boolean {
    const text = JSON.stringify(value) ?? '';
    return /[?&]sig=|sig%3d|\bbearer\s|[?&]se=.*&sig/i.test(text) || /https?:\/\/[^"]*\?/i.test(text);
}

/** Builds a record from known fields only, so nothing else (like a Grant's urls) can leak in. */
export function makePendingRecord(input: PendingDownload): PendingDownload {
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
    const rec: PendingDownload = {
        ref,
        blobs: input.blobs.filter((b) => KINDS.has(b)),
        paths,
        fileFormat: input.fileFormat,
        access: input.access,
        guestState: input.guestState,
        durationInSeconds: input.durationInSeconds,
        startedAt: input.startedAt,
    };
    if (containsSecret(rec)) throw new Error('A pending-download record must not contain a URL or secret.');
    return rec;
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
        r.blobs.every((b) => KINDS.has(b as string)) &&
        typeof r.paths === 'object' &&
        r.paths !== null &&
        (r.blobs as string[]).every((b) => typeof (r.paths as Record<string, unknown>)[b] === 'string') &&
        (r.fileFormat === 'VHD' || r.fileFormat === 'VHDX') &&
        (r.access === 'Read' || r.access === 'Write') &&
        !containsSecret(v)
    );
}

export class PendingDownloads {
    constructor(private readonly memento: MementoLike, private readonly key: string) {}

    all(): PendingDownload[] {
        const raw = this.memento.get<unknown>(this.key);
        return Array.isArray(raw) ? raw.filter(isPendingDownload) : [];
    }

    /** Records a run; a run of other blobs of the same disk already recorded is merged in. */
    async add(rec: PendingDownload): Promise<void> {
        const all = this.all();
        const prior = all.find((r) => sameDisk(r.ref.id, rec.ref.id));
        const merged: PendingDownload = prior
            ? { ...rec, blobs: [...new Set([...prior.blobs, ...rec.blobs])], paths: { ...prior.paths, ...rec.paths } }
            : rec;
        const clean = makePendingRecord(merged);
        const others = all.filter((r) => !sameDisk(r.ref.id, clean.ref.id));
        await this.memento.update(this.key, [...others, clean]);
    }

    /** Forgets the given blobs of a disk (all of them when none are given). */
    async remove(diskId: string, blobs?: readonly BlobKind[]): Promise<void> {
        const all = this.all();
        const next: PendingDownload[] = [];
        for (const r of all) {
            if (!sameDisk(r.ref.id, diskId)) next.push(r);
            else if (blobs) {
                const left = r.blobs.filter((b) => !blobs.includes(b));
                if (left.length) next.push({ ...r, blobs: left });
            }
        }
        if (JSON.stringify(next) !== JSON.stringify(all)) await this.memento.update(this.key, next.length ? next : undefined);
    }
}

export function sameDisk(a: string, b: string): boolean {
    return a.toLowerCase() === b.toLowerCase();
}
