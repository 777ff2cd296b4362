/**
 * An upload this machine started whose disk no longer takes one: its access was revoked (here, in
 * the portal, by a script), which ended it, and Azure shows the half-written disk as Unattached.
 * Its record cannot be resumed, so it becomes the note the tree shows, "Incomplete upload", until
 * the disk is deleted.
 */
import type { AppContext } from '../../app/context';
import { diskNotes, isNotFound } from '../../platform/notices';
import { StateKey } from '../../shared/constants';
import type { DiskInfo } from '../../shared/types';
import { refOf } from '../../wizard/diskArg';
import { PendingUploads } from './pending';

function uploads(ctx: AppContext): PendingUploads {
    return new PendingUploads(ctx.services.context.globalState, StateKey.PendingUploads, ctx.services.log);
}

/** True when `disk` (read just now) had an upload from here that ended unfinished: noted, and its record dropped. */
export async function noteIfEnded(ctx: AppContext, disk: DiskInfo): Promise<boolean> {
    const pending = uploads(ctx);
    if (!pending.get(disk.id) || disk.kind !== 'disk' || !disk.diskState || disk.diskState === 'ActiveUpload' || disk.diskState === 'ReadyToUpload') return false;
    ctx.services.log.warn(`The upload into ${disk.name} ended before it finished (the disk is ${disk.diskState} now): it is incomplete and cannot be resumed.`);
    const notes = diskNotes(ctx.services);
    // A revoke made here noted it already, with its time.
    if (!notes.get(disk.id)) await notes.put({ ref: refOf(disk), kind: 'incompleteUpload', at: new Date().toISOString(), seenLater: true });
    await pending.remove(disk.id);
    ctx.tree.notesChanged(disk);
    return true;
}

/** When the window opens: the unfinished uploads whose disk was revoked meanwhile are noted; a deleted one is forgotten. */
export function checkEndedUploads(ctx: AppContext): void {
    for (const rec of uploads(ctx).all()) {
        void ctx.services.disks.getDisk(rec.ref).then(
            (disk) => noteIfEnded(ctx, disk),
            async (e: unknown) => {
                if (isNotFound(e)) await uploads(ctx).remove(rec.ref.id);
            },
        );
    }
}
