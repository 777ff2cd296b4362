/**
 * What the user is told about a disk beyond its Azure state: the notes kept on its tree row
 * (shared/diskNotes.ts), and notices whose buttons act on it later.
 *
 * A notification's button is clicked when the user gets to it, maybe long after it was shown and
 * after what it said stopped being so (an upload it calls cancelled was resumed and finished).
 * VS Code cannot take back a notification that has buttons: only a progress notification can be
 * closed, and it offers no button but Cancel. So a notice is withdrawn in effect instead: new work
 * on the disk in this window withdraws the notices about it, and every button first reads the disk
 * from Azure again, before asking anything, and refuses in words when the state it was about is gone.
 */
import * as vscode from 'vscode';
import { StateKey } from '../shared/constants';
import { DiskNotes } from '../shared/diskNotes';
import { DiskError } from '../shared/errors';
import type { DiskInfo, DiskRef } from '../shared/types';
import type { Services } from './services';

export function diskNotes(services: Pick<Services, 'context' | 'log'>): DiskNotes {
    return new DiskNotes(services.context.globalState, StateKey.DiskNotes, services.log);
}

const generations = new Map<string, number>();
const generationOf = (id: string) => generations.get(id.toLowerCase()) ?? 0;

/** Work on the disk started in this window: the notices shown about it so far are out of date. */
export function withdrawNotices(diskId: string): void {
    generations.set(diskId.toLowerCase(), generationOf(diskId) + 1);
}

export interface Notice {
    ref: DiskRef;
    /** Whether the disk as it is now is still what the notice was about. */
    fits(disk: DiskInfo): boolean;
    /** What the feature learns from a disk that has moved on (e.g. an upload that ended unfinished). */
    movedOn?(disk: DiskInfo): Promise<unknown>;
    shownAt: number;
}

/** Taken when a notice about `ref` is shown; its buttons pass it to `recheck`. */
export function noticeAbout(ref: DiskRef, fits: (disk: DiskInfo) => boolean, movedOn?: (disk: DiskInfo) => Promise<unknown>): Notice {
    return { ref, fits, movedOn, shownAt: generationOf(ref.id) };
}

export function isNotFound(e: unknown): boolean {
    const err = e as { statusCode?: number; code?: string } | undefined;
    return err?.statusCode === 404 || err?.code === 'NotFound' || err?.code === 'ResourceNotFound';
}

/** The disk now, when the notice still holds; otherwise throws why it does not. */
export async function recheck(services: Services, notice: Notice): Promise<DiskInfo> {
    const name = notice.ref.name;
    const outOfDate = (why: string) => new DiskError('NoticeOutOfDate', vscode.l10n.t('This notification about {0} is out of date: {1}', name, why), vscode.l10n.t('Its row in the Azure Managed Disks view shows what it is now.'));
    if (generationOf(notice.ref.id) !== notice.shownAt) throw outOfDate(vscode.l10n.t('{0} was worked on in this window since it was shown, so nothing was done.', name));
    let disk: DiskInfo;
    try {
        disk = await services.disks.getDisk(notice.ref);
    } catch (e) {
        if (isNotFound(e)) throw outOfDate(vscode.l10n.t('{0} no longer exists.', name));
        throw e;
    }
    if (!notice.fits(disk)) {
        await notice.movedOn?.(disk);
        throw outOfDate(vscode.l10n.t('{0} is {1} now, so nothing was done.', name, disk.diskState ?? '?'));
    }
    return disk;
}

/** A button's work, done only once `recheck` passes: `ctx.run(id, afterRecheck(services, notice, work))`. */
export function afterRecheck<A, T>(services: Services, notice: Notice, work: (a: A) => Promise<T> | T): (a: A) => Promise<T> {
    return async (a) => {
        await recheck(services, notice);
        return work(a);
    };
}
