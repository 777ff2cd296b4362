/**
 * Why two snapshots cannot be diffed, told in plain words, and which failures mean that. Every
 * refusal ends with the way out: a full download. No vscode import.
 */
import * as l10n from '@vscode/l10n';
import { formatBytes } from '../../shared/format';
import { mapError } from '../../shared/errors';

export type Refusal = 'olderGone' | 'otherFamily' | 'sasCap' | 'resize4TiB' | 'notIncremental' | 'fileChanged' | 'wrongOrder';

export interface Names {
    /** The snapshot to update to. */
    newer: string;
    /** The snapshot the file holds (or the changes start from). */
    older: string;
    /** The file's name, when there is one. */
    file?: string;
    olderBytes?: number;
    newerBytes?: number;
}

/**
 * The grant refused because five snapshots of the family already have a SAS out: a 409 whose words
 * name the family or the limit, or any 409 while `activePeers` (others of the family with a SAS) are five.
 */
export function isFamilySasCap(e: unknown, activePeers = 0): boolean {
    const m = mapError(e);
    if (m.statusCode !== 409 && m.code !== 'Conflict') return false;
    // The service's own words (mapError may have turned "active SAS" into its generic sentence).
    const raw = `${String((e as { message?: unknown })?.message ?? '')} ${m.message}`;
    return /snapshot family|\bfive\b|at most 5\b|up to 5\b/i.test(raw) || activePeers >= 5;
}

/** The older snapshot could not be read from Azure because it is gone (ARM 404). */
export function isGone(e: unknown): boolean {
    return mapError(e).code === 'NotFound';
}

/** A refusal of the diff itself (the engine's BlobChanged over the service's 409/400 codes). */
export function diffRefusal(e: unknown): Refusal | undefined {
    const err = e as { name?: unknown; code?: unknown; message?: unknown };
    if (err?.name !== 'TransferError' || err.code !== 'BlobChanged') return undefined;
    const text = String(err.message ?? '');
    if (/PreviousSnapshotNotFound|PreviousSnapshotOperationNotSupported/.test(text)) return 'otherFamily';
    if (/newer than the one to update it to/.test(text)) return 'wrongOrder';
    return undefined;
}

export function refusalMessage(r: Refusal, n: Names): string {
    const full = l10n.t('Download {0} in full instead.', n.newer);
    switch (r) {
        case 'olderGone':
            return `${l10n.t('{0}, the snapshot {1} was downloaded from, no longer exists in Azure, so the changes since it cannot be listed.', n.older, n.file ?? n.older)} ${full}`;
        case 'otherFamily':
            return `${l10n.t('Azure cannot list the changes between {0} and {1}: they are not incremental snapshots of the same disk (another snapshot family). Changes are listed only between snapshots of one disk.', n.older, n.newer)} ${full}`;
        case 'sasCap':
            return `${l10n.t('Azure allows a SAS on at most five snapshots of one disk at a time, and other snapshots of this disk already have access granted, so {0} and {1} could not both be read. Nothing granted by this command is left: revoke access to one of the others in the view and run it again.', n.older, n.newer)} ${full}`;
        case 'resize4TiB':
            return `${l10n.t('The disk was resized across 4 TiB between {0} ({1}) and {2} ({3}); Azure lists no changes across such a resize.', n.older, formatBytes(n.olderBytes ?? 0), n.newer, formatBytes(n.newerBytes ?? 0))} ${full}`;
        case 'notIncremental':
            return `${l10n.t('{0} is not an incremental snapshot: changes are listed only between incremental snapshots of one disk.', n.newer)} ${full}`;
        case 'fileChanged':
            return `${l10n.t('{0} no longer holds {1} as it was downloaded (its size or content changed since), so applying the changes to it would mix two states of the disk.', n.file ?? '', n.older)} ${full}`;
        case 'wrongOrder':
            return `${l10n.t('{0} was taken after {1}: a file can only be brought forward to a newer snapshot.', n.older, n.newer)} ${full}`;
    }
}

/** Nothing to update: said with why the files that are there do not count. */
export function nothingToUpdate(newer: string, counts: { otherFamilies: number; current: string[]; later: number }): string {
    const parts = [l10n.t('No earlier download from a snapshot of the same disk as {0} was found (a download from an incremental snapshot leaves a record beside its file).', newer)];
    if (counts.current.length) parts.push(l10n.t('Already up to date with {0}: {1}.', newer, counts.current.join(', ')));
    if (counts.later) parts.push(l10n.t('{0} downloaded files hold a later snapshot of the disk than {1}.', counts.later, newer));
    if (counts.otherFamilies) parts.push(l10n.t("{0} downloaded files are of other disks' snapshots (another snapshot family), which Azure cannot diff with {1}.", counts.otherFamilies, newer));
    return parts.join(' ');
}

/** A file left between two snapshots by an update toward another one. */
export function betweenElsewhere(file: string, older: string, toward: string | undefined): string {
    return toward
        ? l10n.t('{0} is between {1} and {2}: an update to {2} stopped partway. Run Update Earlier Download on {2} to finish it first.', file, older, toward)
        : l10n.t('{0} is between {1} and a newer snapshot: an update stopped partway. Finish it first, or download the snapshot in full.', file, older);
}
