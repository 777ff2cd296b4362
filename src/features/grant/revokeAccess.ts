/** Revoke Access: ends the SAS (EndGetAccess), forgets the grant, and puts the row back to its state. */
import * as vscode from 'vscode';
import { hashId } from '../../platform/telemetryMask';
import { UserCancelledError } from '../../shared/cancel';
import { hasActiveSas } from '../../shared/diskStates';
import type { AppContext } from '../../app/context';
import { refOf, resolveDiskInfo } from '../../wizard/diskArg';
import { refreshRow } from './grantAccess';
import type { ActionContext } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';

export async function revokeAccess(ctx: AppContext, actx: ActionContext, arg?: unknown): Promise<boolean> {
    const { services, tree } = ctx;
    const { disk, fromPalette } = await resolveDiskInfo(services, arg, {
        filter: (d) => hasActiveSas(d) || !!services.grants.get(d.id),
        placeHolder: vscode.l10n.t('Select a disk or snapshot to revoke access to'),
    });
    actx.telemetry.properties.kind = disk.kind;
    actx.telemetry.properties.diskIdHash = hashId(disk.id);
    actx.telemetry.properties.fromPalette = String(fromPalette);
    actx.telemetry.properties.diskState = disk.diskState ?? 'unknown';
    actx.errorContext = { operation: 'revoke', diskName: disk.name, attachedVm: disk.attachedVm };

    if (fromPalette) {
        const revoke = vscode.l10n.t('Revoke');
        const choice = await services.ui.showWarningMessage(
            vscode.l10n.t('Revoke access to {0}?', disk.name),
            { modal: true, detail: vscode.l10n.t('Every SAS URI of this disk stops working, including downloads in progress.') },
            revoke,
        );
        if (choice !== revoke) throw new UserCancelledError('revoke');
    }

    await tree.withBusy(disk.id, vscode.l10n.t('Revoking access…'), () =>
        withCancellableProgress(vscode.l10n.t('Revoking access to {0}…', disk.name), 'revoke', (signal) => services.disks.revokeAccess(refOf(disk), signal)),
    );
    services.grants.delete(disk.id);
    await refreshRow(ctx, disk, disk.attachedVm ? 'Reserved' : 'Unattached');
    services.log.info(`Revoked access to ${disk.kind} ${disk.name}.`);
    return true;
}
