/**
 * Which earlier downloads a newer snapshot can update, and what rules out a diff before any call.
 * Pure apart from reading an update's journal. No vscode import.
 */
import * as fs from 'node:fs';
import type { RecordedDownload } from '../../app/context';
import { readJournal } from '../../transfer/core/journal';
import { updateJournalPath } from '../../transfer/update';

/** Azure does not list changes across a resize that crosses 4 TiB. */
export const FOUR_TIB = 4 * 1024 ** 4;
/** A VHD blob is the disk plus its 512-byte footer. */
export const FOOTER = 512;

/** True when one disk size is at most 4 TiB and the other above it: the service cannot diff the two. */
export function straddles4TiB(olderDiskBytes: number, newerDiskBytes: number): boolean {
    return olderDiskBytes <= FOUR_TIB !== newerDiskBytes <= FOUR_TIB;
}

/** The key an update's journal is written under: which snapshot the file came from and which it is going to. */
export function resumeKey(olderId: string, newerId: string): string {
    return `${olderId.toLowerCase()}->${newerId.toLowerCase()}`;
}

/** The snapshot an unfinished update of `filePath` was going to (its journal's key), if it says. */
export function updateTarget(filePath: string): string | undefined {
    const key = readJournal(updateJournalPath(filePath))?.identity.key;
    const m = key ? /^update:(.+)->(.+)$/.exec(key) : null;
    return m ? m[2] : undefined;
}

export interface NewerSnapshot {
    id: string;
    familyId?: string;
    time?: Date;
}

export type Candidate =
    /** Holds an older snapshot of the family, whole. */
    | { kind: 'update'; download: RecordedDownload }
    /** Between its recorded snapshot and this newer one: running again resumes. */
    | { kind: 'resume'; download: RecordedDownload }
    /** Between its recorded snapshot and another one (`toward`, unknown when the journal does not say). */
    | { kind: 'elsewhere'; download: RecordedDownload; toward?: string };

export interface Candidates {
    /** Newest first: the files to offer (elsewhere ones only to say their state). */
    offered: Candidate[];
    /** Files of snapshots of other disks (other families): never diffable with this one. */
    otherFamilies: RecordedDownload[];
    /** Files that already hold this snapshot. */
    current: RecordedDownload[];
    /** Files that hold a later snapshot of the family than this one. */
    later: RecordedDownload[];
}

const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

export function candidatesFor(newer: NewerSnapshot, downloads: RecordedDownload[], targetOf: (filePath: string) => string | undefined = updateTarget): Candidates {
    const out: Candidates = { offered: [], otherFamilies: [], current: [], later: [] };
    const newerTime = newer.time?.getTime();
    for (const d of downloads) {
        if (!same(d.record.familyId, newer.familyId)) {
            out.otherFamilies.push(d);
            continue;
        }
        if (d.state === 'between') {
            const toward = targetOf(d.filePath);
            out.offered.push(same(toward, newer.id) ? { kind: 'resume', download: d } : { kind: 'elsewhere', download: d, toward });
            continue;
        }
        if (same(d.record.snapshotId, newer.id)) out.current.push(d);
        else if (newerTime !== undefined && Date.parse(d.record.snapshotTime) >= newerTime) out.later.push(d);
        else out.offered.push({ kind: 'update', download: d });
    }
    out.offered.sort((a, b) => Date.parse(b.download.record.snapshotTime) - Date.parse(a.download.record.snapshotTime) || a.download.filePath.localeCompare(b.download.filePath));
    return out;
}

/** The ARM id's parts a DiskRef needs (the tenant comes from the newer snapshot: one family, one subscription). */
export function snapshotRefOf(id: string, tenantId: string): { tenantId: string; subscriptionId: string; resourceGroup: string; name: string; kind: 'snapshot'; id: string } | undefined {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/snapshots\/([^/]+)$/i.exec(id);
    return m ? { tenantId, subscriptionId: m[1], resourceGroup: m[2], name: m[3], kind: 'snapshot', id } : undefined;
}

/** The older snapshots a Download Changes Only can start from: same family, taken before, newest first. */
export function olderOfFamily<T extends { id: string; kind: string; incrementalSnapshotFamilyId?: string; timeCreated?: Date }>(newer: T, snapshots: T[]): T[] {
    const t = newer.timeCreated?.getTime();
    return snapshots
        .filter((s) => s.kind === 'snapshot' && !same(s.id, newer.id) && same(s.incrementalSnapshotFamilyId, newer.incrementalSnapshotFamilyId))
        .filter((s) => t === undefined || (s.timeCreated !== undefined && s.timeCreated.getTime() < t))
        .sort((a, b) => (b.timeCreated?.getTime() ?? 0) - (a.timeCreated?.getTime() ?? 0));
}

/** The last segment of an ARM id: the snapshot's name. */
export function nameOfId(id: string): string {
    return id.split('/').filter(Boolean).pop() ?? id;
}

/** `2025-03-01 02:00 UTC`: when a snapshot was taken, the same in every locale. */
export function timeLabel(iso: string): string {
    const t = new Date(iso);
    return isNaN(t.getTime()) ? iso : `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `history-data-update-20261207-2213`: the snapshot made on a disk row to update from, within Azure's 80 characters. */
export function snapshotNameFor(disk: string, now = new Date()): string {
    const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    const suffix = `-update-${stamp}`;
    const base = disk.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/[^A-Za-z0-9_]+$/, '').slice(0, 80 - suffix.length).replace(/[^A-Za-z0-9_]+$/, '');
    return (base || 'disk') + suffix;
}

/**
 * A diff refused at its first listing leaves the journal of a run that changed nothing (the file
 * is still the older snapshot's size, so not even resized): remove it, so the file is not said to
 * be between snapshots.
 */
export function clearUntouchedJournal(filePath: string, recordedSize: number): void {
    const j = readJournal(updateJournalPath(filePath));
    try {
        if (j && j.done.length === 0 && fs.statSync(filePath).size === recordedSize) fs.rmSync(updateJournalPath(filePath), { force: true });
    } catch {
        // Left as it is: a later run resumes or refuses with the same words.
    }
}
