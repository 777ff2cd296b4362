/** Delete…: a disk or snapshot, after the user types its name (the question names it and its size). */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { nested } from '../../platform/actionContext';
import type { ActionContext, Register } from '../../platform/command';
import { confirmByTypingName } from '../../platform/confirm';
import { diskNotes, withdrawNotices } from '../../platform/notices';
import { withCancellableProgress } from '../../platform/progress';
import { hashId } from '../../platform/telemetryMask';
import { Cmd } from '../../shared/constants';
import { hasActiveSas } from '../../shared/diskStates';
import { DiskError } from '../../shared/errors';
import { formatBytes } from '../../shared/format';
import { refOf, resolveDiskInfo } from '../../wizard/diskArg';

export async function deleteDisk(ctx: AppContext, actx: ActionContext, target: unknown): Promise<boolean> {
    const { services, tree } = ctx;
    const { disk } = await resolveDiskInfo(services, target, { placeHolder: vscode.l10n.t('Select a disk or snapshot to delete') });
    actx.telemetry.properties.kind = disk.kind;
    actx.telemetry.properties.diskIdHash = hashId(disk.id);
    actx.telemetry.properties.diskState = disk.diskState ?? 'unknown';
    actx.errorContext = { diskName: disk.name, attachedVm: disk.attachedVm };
    if (disk.attachedVm) {
        throw new DiskError('Attached', vscode.l10n.t('{0} is attached to VM {1} and cannot be deleted.', disk.name, disk.attachedVm), vscode.l10n.t('Detach it from {0} first.', disk.attachedVm));
    }
    const what = disk.kind === 'snapshot' ? vscode.l10n.t('snapshot') : vscode.l10n.t('disk');
    const size = disk.sizeBytes !== undefined ? formatBytes(disk.sizeBytes) : disk.sizeGiB !== undefined ? `${disk.sizeGiB} GiB` : '';
    const detail = hasActiveSas(disk)
        ? vscode.l10n.t('Its access is revoked first. The {0} and its data are gone for good.', what)
        : vscode.l10n.t('The {0} and its data are gone for good.', what);
    // Typing the name, not a modal: a modal's focused default is Delete, so Enter alone would delete.
    await confirmByTypingName(services.ui, { title: vscode.l10n.t('Delete the {0} {1} ({2}) in {3}?', what, disk.name, size, disk.resourceGroup), detail, name: disk.name });
    withdrawNotices(disk.id);
    if (hasActiveSas(disk)) await ctx.actions.revokeAccess(actx, refOf(disk), { deleting: true });
    await tree.withBusy(disk.id, vscode.l10n.t('Deleting…'), () =>
        withCancellableProgress(vscode.l10n.t('Deleting {0}…', disk.name), 'delete', (signal) => services.disks.deleteDisk(refOf(disk), signal)),
    );
    services.grants.delete(disk.id);
    // What this machine noted about the disk (an ended upload, a temporary snapshot) goes with it.
    await diskNotes(services).remove(disk.id);
    tree.refresh();
    return true;
}

export function registerDelete(ctx: AppContext, register: Register): vscode.Disposable[] {
    return [register(Cmd.DeleteDisk, (actx, arg) => deleteDisk(ctx, actx, arg))];
}

export const deleteActions = (ctx: AppContext) => ({
    deleteDisk: (actx: ActionContext, target: unknown) => nested(actx, 'deleteDisk', (c) => deleteDisk(ctx, c, target)),
});
