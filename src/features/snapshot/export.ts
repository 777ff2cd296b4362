/**
 * Export a Snapshot…: a disk attached to a running VM cannot be granted access, and stopping the
 * VM is downtime. Instead: an incremental snapshot of the disk (the VM keeps running), a Read grant
 * on the snapshot, the usual download, revoke, and the offer to delete the snapshot — asked until
 * answered, the snapshot listed as temporary meanwhile.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { hashId } from '../../platform/telemetryMask';
import { Cmd } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { diskNotes, isNotFound, noticeAbout, recheck, type Notice } from '../../platform/notices';
import { hasActiveSas } from '../../shared/diskStates';
import type { DiskNote } from '../../shared/diskNotes';
import { formatLifetime } from '../../shared/format';
import type { DiskInfo, DiskRef } from '../../shared/types';
import { refOf, resolveDiskInfo } from '../../wizard/diskArg';
import { makeSnapshot } from './create';
import { exportFileBase, suggestSnapshotName } from './naming';

/** Ten hours: what the docs suggest for large OS disks; revoked as soon as the download ends. */
const EXPORT_GRANT_SECONDS = 36_000;

export async function exportSnapshot(ctx: AppContext, actx: ActionContext, target: unknown): Promise<unknown> {
    const { services } = ctx;
    const { disk } = await resolveDiskInfo(services, target, { filter: (d) => d.kind === 'disk', placeHolder: vscode.l10n.t('Select a disk to export through a snapshot') });
    if (disk.kind !== 'disk') throw new DiskError('NotADisk', vscode.l10n.t('{0} is already a snapshot: download it directly.', disk.name));
    actx.telemetry.properties.diskIdHash = hashId(disk.id);
    actx.telemetry.properties.diskState = disk.diskState ?? 'unknown';
    actx.telemetry.properties.security = disk.securityType ? 'yes' : 'no';
    actx.errorContext = { diskName: disk.name };

    const snapshot = await makeSnapshot(ctx, disk, { name: suggestSnapshotName(disk.name, 'export'), incremental: true });
    const ref = refOf(snapshot);
    // Noted before anything else can fail or the window close: listed as temporary until the user answers for it.
    await diskNotes(services).put({ ref, kind: 'temporarySnapshot', at: new Date().toISOString(), of: disk.name });
    ctx.tree.notesChanged(ref);
    actx.errorContext = { diskName: snapshot.name };
    let downloaded = false;
    // Said once, and closed when the export ends: the SAS it hands out lives this long at most.
    const lifetime = vscode.l10n.t('Exporting {0} through snapshot {1}: its read access (SAS) lasts {2} and is revoked as soon as the download ends.', disk.name, snapshot.name, formatLifetime(EXPORT_GRANT_SECONDS));
    services.log.info(lifetime);
    let ended: () => void = () => undefined;
    services.ui.showNotice(lifetime, new Promise<void>((resolve) => (ended = resolve)));
    try {
        // Granted here with fixed settings, so the download asks only for its folder.
        await ctx.actions.grantAccess(actx, ref, {
            preset: { access: 'Read', durationInSeconds: EXPORT_GRANT_SECONDS, fileFormat: 'VHD', getSecureVMGuestStateSAS: disk.securityType ? true : undefined },
            silentPanel: true,
        });
        // The file is named after the disk and the snapshot's time: the snapshot is deleted afterwards.
        const saveAs = { folderName: disk.name, fileBase: exportFileBase(disk.name, snapshot.timeCreated ?? new Date()) };
        const result = await ctx.actions.download(actx, ref, { saveAs });
        downloaded = result !== undefined;
        return result;
    } finally {
        // The snapshot's SAS ends with the export, whatever happened.
        await ctx.actions.revokeQuietly(actx, ref);
        ended();
        void offerDelete(ctx, disk, snapshot, downloaded);
    }
}

/**
 * Asked in a modal, which stays until answered: a notification hides after a while, and a user who
 * looked away would keep paying for the snapshot. Escape leaves it listed as temporary, and asked
 * about again when the window next opens (offerTemporarySnapshots).
 */
async function offerDelete(ctx: AppContext, disk: DiskInfo, snapshot: DiskInfo, downloaded: boolean): Promise<void> {
    const del = vscode.l10n.t('Delete Snapshot');
    const keep = vscode.l10n.t('Keep');
    const message = downloaded
        ? vscode.l10n.t('{0} was exported through snapshot {1}; its VM {2} kept running. Delete the snapshot now?', disk.name, snapshot.name, disk.attachedVm ?? '-')
        : vscode.l10n.t('The export of {0} did not finish. Snapshot {1} is kept so the download can be resumed; delete it now?', disk.name, snapshot.name);
    ctx.services.log.info(message);
    const detail = vscode.l10n.t('A snapshot is billed while it exists. Until you delete or keep it, it is listed as temporary on its resource group.');
    const choice = await ctx.services.ui.showWarningMessage(message, { modal: true, detail }, del, keep).catch(() => undefined);
    await answered(ctx, refOf(snapshot), choice === del ? 'delete' : choice === keep ? 'keep' : undefined);
}

/** Delete (after its own question, which forgets the note once deleted) or Keep (forgets the note); nothing else answers. */
async function answered(ctx: AppContext, ref: DiskRef, answer: 'delete' | 'keep' | undefined, notice?: Notice): Promise<void> {
    if (answer === 'keep') {
        ctx.services.log.info(`Keeping snapshot ${ref.name}, as asked.`);
        await diskNotes(ctx.services).remove(ref.id);
        ctx.tree.notesChanged(ref);
    } else if (answer === 'delete') {
        await ctx.run(Cmd.DeleteDisk, async (a) => {
            if (notice) await recheck(ctx.services, notice);
            return ctx.actions.deleteDisk(a, ref);
        });
    }
}

/** When the window opens: each temporary snapshot nobody answered for, asked about again (or forgotten when gone). */
export function offerTemporarySnapshots(ctx: AppContext): void {
    for (const note of diskNotes(ctx.services).ofKind('temporarySnapshot')) void offerAgain(ctx, note);
}

async function offerAgain(ctx: AppContext, note: DiskNote): Promise<void> {
    try {
        await ctx.services.disks.getDisk(note.ref);
    } catch (e) {
        if (isNotFound(e)) await diskNotes(ctx.services).remove(note.ref.id);
        // Otherwise (signed out, offline) it is asked about next time; its group row still says it.
        return;
    }
    const del = vscode.l10n.t('Delete Snapshot');
    const keep = vscode.l10n.t('Keep');
    const message = vscode.l10n.t('Snapshot {0}, made on {1} to export {2}, is still there, and billed. Delete it, or keep it?', note.ref.name, new Date(note.at).toLocaleString(), note.of ?? '?');
    // The answer may come much later: Delete checks first that nobody reads the snapshot now.
    const notice = noticeAbout(note.ref, (d) => !hasActiveSas(d));
    const choice = await ctx.services.ui.showWarningMessage(message, { modal: false }, del, keep).catch(() => undefined);
    await answered(ctx, note.ref, choice === del ? 'delete' : choice === keep ? 'keep' : undefined, notice);
}
