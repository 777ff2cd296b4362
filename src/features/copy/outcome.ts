/**
 * How a copy ends for the user: both SAS revoked after success; after a stop, the source revoked and
 * the target kept open for writing (so the copy can resume), said plainly with Resume Copy and
 * Delete Disk — nothing is left in ActiveSAS or ActiveUpload without the user being told.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { UserCancelledError } from '../../shared/cancel';
import { Cmd } from '../../shared/constants';
import { mapError } from '../../shared/errors';
import { afterRecheck, noticeAbout } from '../../platform/notices';
import type { DiskInfo, DiskRef } from '../../shared/types';
import type { PendingCopy } from './pending';

/** A target the copy has not finished: still open for its data (a finished copy is revoked, so Unattached). */
const unfinished = (d: DiskInfo) => d.diskState === 'ActiveUpload' || d.diskState === 'ReadyToUpload';

/** The words for why a copy stopped; undefined when the user cancelled. */
export function stopReason(e: unknown): string | undefined {
    if (e instanceof UserCancelledError || (e as { code?: string } | undefined)?.code === 'Cancelled') return undefined;
    return mapError(e).message;
}

/**
 * The copy into `rec.target` stopped after the target was made: says where it stands and offers
 * to resume (from the journals) or to delete the incomplete disk.
 */
export function stoppedEarly(ctx: AppContext, rec: PendingCopy, reason: string | undefined, targetState: string | undefined, resume: (rec: PendingCopy) => void): void {
    ctx.tree.refresh();
    const again = vscode.l10n.t('Resume Copy');
    const del = vscode.l10n.t('Delete Disk');
    const what = reason
        ? vscode.l10n.t('The copy of {0} into {1} stopped: {2}', rec.source.name, rec.target.name, reason)
        : vscode.l10n.t('The copy of {0} into {1} was cancelled.', rec.source.name, rec.target.name);
    const where = targetState === 'ActiveUpload'
        ? vscode.l10n.t('{0} stays in the ActiveUpload state with what was copied so far (a VM cannot use it yet); access to {1} is revoked. Resume Copy continues with the ranges not yet copied, or delete the disk.', rec.target.name, rec.source.name)
        : vscode.l10n.t('{0} is incomplete; access to {1} is revoked. Resume Copy continues with the ranges not yet copied, or delete the disk.', rec.target.name, rec.source.name);
    const message = `${what} ${where}`;
    ctx.services.log.warn(message);
    // Clicked maybe much later: each button checks the target is still the unfinished disk (platform/notices.ts).
    const notice = noticeAbout(rec.target, unfinished);
    void ctx.services.ui.showWarningMessage(message, { modal: false }, again, del).then(
        (choice) => {
            if (choice === again) void ctx.run(Cmd.CopyTo, afterRecheck(ctx.services, notice, () => resume(rec)));
            else if (choice === del) void ctx.run(Cmd.DeleteDisk, afterRecheck(ctx.services, notice, (a) => ctx.actions.deleteDisk(a, rec.target)));
        },
        () => undefined,
    );
}

/** A target that exists but never got its data (its create failed): offered for deletion. */
export function offerDelete(ctx: AppContext, ref: DiskRef): void {
    const del = vscode.l10n.t('Delete Disk');
    const message = vscode.l10n.t('The copy into {0} did not finish, so that disk is incomplete. Delete it?', ref.name);
    ctx.services.log.warn(message);
    // Its create failed, so its state says little: out of date once it is in use.
    const notice = noticeAbout(ref, (d) => !d.attachedVm && d.diskState !== 'ActiveSAS');
    void ctx.services.ui.showWarningMessage(message, { modal: false }, del).then(
        (choice) => {
            if (choice === del) void ctx.run(Cmd.DeleteDisk, afterRecheck(ctx.services, notice, (a) => ctx.actions.deleteDisk(a, ref)));
        },
        () => undefined,
    );
}
