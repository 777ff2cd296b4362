/** Revoke Access: ends the SAS (EndGetAccess), forgets the grant, and puts the row back to its state. */
import * as vscode from 'vscode';
import { hashId } from '../telemetry/mask';
import { UserCancelledError } from '../services';
import { hasActiveSas } from '../tree/presentation';
import type { Core } from './core';
import { refOf, resolveDiskInfo } from './diskArg';
import { refreshRow } from './grant/grantAccess';
import type { ActionContext } from './wrapper';

export async function revokeAccess(core: Core, actx: ActionContext, arg?: unknown): Promise<boolean> {
    const { services, tree } = core;
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

    await tree.withBusy(disk.id, vscode.l10n.t('Revoking access…'), async () =>
        await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Revoking access to {0}…', disk.name), cancellable: true },
            async (_progress, token) => {
                const abort = new AbortController();
                const sub = token.onCancellationRequested(() => abort.abort());
                try {
                    await services.disks.revokeAccess(refOf(disk), abort.signal);
                } catch (e) {
                    if (abort.signal.aborted) throw new UserCancelledError('revoke');
                    throw e;
                } finally {
                    sub.dispose();
                }
            },
        ),
    );
    services.grants.delete(disk.id);
    await refreshRow(core, disk, disk.attachedVm ? 'Reserved' : 'Unattached');
    services.log.info(`Revoked access to ${disk.kind} ${disk.name}.`);
    return true;
}
