/**
 * What this machine knows about a disk that Azure's state does not say, kept until the disk is
 * deleted (or the user answers): an upload that access was revoked from before it finished (Azure
 * shows the half-written disk as Unattached, like a finished one), and a snapshot an export made
 * that nobody said to delete or keep (it is billed). Records hold ids and names, never a URL or a
 * secret (the pending store's guard refuses one). No vscode import.
 */
import type { Logger } from './logger';
import { PendingStore, type MementoLike, type PendingKind } from './pendingStore';
import type { DiskRef } from './types';

export type DiskNoteKind = 'incompleteUpload' | 'temporarySnapshot';

export interface DiskNote {
    ref: DiskRef;
    kind: DiskNoteKind;
    /** When it was noted (ISO time). */
    at: string;
    /** A temporary snapshot's source disk, by name. */
    of?: string;
    /** An upload's end seen, not done, here: its access was revoked elsewhere (someone there may have finished it). */
    seenLater?: boolean;
}

function isDiskNote(v: unknown): v is DiskNote {
    const r = v as DiskNote | undefined;
    return !!r && typeof r === 'object' && !!r.ref && typeof r.ref.id === 'string' && typeof r.ref.name === 'string' && (r.kind === 'incompleteUpload' || r.kind === 'temporarySnapshot') && typeof r.at === 'string';
}

function clean(n: DiskNote): DiskNote {
    const { tenantId, subscriptionId, resourceGroup, name, kind, id } = n.ref;
    return { ref: { tenantId, subscriptionId, resourceGroup, name, kind, id }, kind: n.kind, at: n.at, ...(typeof n.of === 'string' ? { of: n.of } : {}), ...(n.seenLater === true ? { seenLater: true } : {}) };
}

const NOTES: PendingKind<DiskNote> = { name: 'disk note', isValid: isDiskNote, clean, keyOf: (n) => n.ref.id };

/** One note per disk, under one state key. */
export class DiskNotes extends PendingStore<DiskNote> {
    constructor(memento: MementoLike, key: string, log?: Pick<Logger, 'warn'>) {
        super(memento, key, NOTES, log);
    }

    ofKind(kind: DiskNoteKind): DiskNote[] {
        return this.all().filter((n) => n.kind === kind);
    }

    /** The notes of disks in one resource group. */
    inGroup(subscriptionId: string, resourceGroup: string): DiskNote[] {
        const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
        return this.all().filter((n) => same(n.ref.subscriptionId, subscriptionId) && same(n.ref.resourceGroup, resourceGroup));
    }
}
