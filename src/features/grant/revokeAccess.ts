/** Revoke Access: ends the SAS (EndGetAccess), forgets the grant, and puts the row back to its state. */
import * as vscode from 'vscode';
import { hashId } from '../../platform/telemetryMask';
import { UserCancelledError } from '../../shared/cancel';
import { hasActiveSas } from '../../shared/diskStates';
import type { AppContext, RevokeOptions } from '../../app/context';
import { confirmByTypingName } from '../../platform/confirm';
import { diskNotes } from '../../platform/notices';
import { refFromArg, refOf, resolveDiskInfo } from '../../wizard/diskArg';
import type { DiskRef } from '../../shared/types';
import { refreshRow } from './grantAccess';
import type { ActionContext } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';
import { markStepDone } from '../../platform/walkthrough';

export type { RevokeOptions };

export async function revokeAccess(ctx: AppContext, actx: ActionContext, arg?: unknown, opts: RevokeOptions = {}): Promise<boolean> {
    const { services, tree } = ctx;
    const known = refFromArg(arg) ? undefined : await pickKnownActive(ctx);
    const { disk, fromPalette } = await resolveDiskInfo(services, known ?? arg, {
        filter: (d) => hasActiveSas(d) || !!services.grants.get(d.id),
        placeHolder: vscode.l10n.t('Select a disk or snapshot to revoke access to'),
    });
    actx.telemetry.properties.kind = disk.kind;
    actx.telemetry.properties.diskIdHash = hashId(disk.id);
    actx.telemetry.properties.fromPalette = String(fromPalette);
    actx.telemetry.properties.diskState = disk.diskState ?? 'unknown';
    actx.errorContext = { operation: 'revoke', diskName: disk.name, attachedVm: disk.attachedVm };

    const held = !!services.grants.get(disk.id);
    // Azure accepts no second Write grant: revoking mid-upload leaves the disk half-written for good.
    const endsUpload = disk.diskState === 'ActiveUpload' && !opts.uploadComplete;
    if (endsUpload && !opts.confirmed && !opts.deleting) {
        await confirmByTypingName(services.ui, {
            title: vscode.l10n.t('Revoke access to {0} and end its unfinished upload?', disk.name),
            detail: vscode.l10n.t('The upload ends: {0} stays incomplete, holding only what was sent so far, and cannot be resumed, because Azure gives it no more write access. A VM cannot use it: delete it afterwards.', disk.name),
            name: disk.name,
        });
    } else if (!opts.confirmed && (fromPalette || known || !held)) {
        // A SAS this window did not grant may be in use elsewhere: say by what before ending it.
        const revoke = vscode.l10n.t('Revoke');
        const choice = await services.ui.showWarningMessage(
            vscode.l10n.t('Revoke access to {0}?', disk.name),
            {
                modal: true,
                detail: held
                    ? vscode.l10n.t('Every SAS URI of this disk stops working, including downloads in progress.')
                    : vscode.l10n.t('This window did not grant this access: a download or copy started elsewhere (AzCopy, Azure Storage Explorer, another VS Code window, a script or a colleague) may be using it, and it stops at once.'),
            },
            revoke,
        );
        if (choice !== revoke) throw new UserCancelledError('revoke');
    }

    await tree.withBusy(disk.id, vscode.l10n.t('Revoking access…'), () =>
        withCancellableProgress(vscode.l10n.t('Revoking access to {0}…', disk.name), 'revoke', (signal) => services.disks.revokeAccess(refOf(disk), signal)),
    );
    services.grants.delete(disk.id);
    if (endsUpload) {
        services.log.warn(`Revoked access to ${disk.name} during its upload: the upload ended and the disk is incomplete.`);
        await diskNotes(services).put({ ref: refOf(disk), kind: 'incompleteUpload', at: new Date().toISOString() });
    }
    void markStepDone(services.context, 'revoke');
    await refreshRow(ctx, disk, disk.attachedVm ? 'Reserved' : 'Unattached');
    if (endsUpload) ctx.tree.notesChanged(disk);
    return true;
}

/**
 * From the palette: the disks that have access now first (granted in this window, or found in
 * ActiveSAS by the tree), then "Browse…" for the subscription → group → disk picker.
 */
async function pickKnownActive(ctx: AppContext): Promise<DiskRef | undefined> {
    const held = ctx.services.grants.all().map((g) => g.ref);
    const seen = new Set(held.map((r) => r.id.toLowerCase()));
    const found = ctx.tree.activeSasDisks().filter((d) => !seen.has(d.id.toLowerCase()));
    if (held.length + found.length === 0) return undefined;
    type Item = vscode.QuickPickItem & { ref?: DiskRef };
    const kind = (r: DiskRef) => (r.kind === 'snapshot' ? vscode.l10n.t('snapshot') : vscode.l10n.t('disk'));
    const items: Item[] = [
        ...held.map((r): Item => ({ label: r.name, description: vscode.l10n.t('{0} · granted in this window', kind(r)), detail: r.resourceGroup, ref: r })),
        ...found.map((d): Item => ({ label: d.name, description: vscode.l10n.t('{0} · active SAS granted elsewhere', kind(d)), detail: d.resourceGroup, ref: refOf(d) })),
        { label: '', kind: vscode.QuickPickItemKind.Separator },
        { label: vscode.l10n.t('Browse subscriptions…'), description: vscode.l10n.t('another disk or snapshot') },
    ];
    const picked = await ctx.services.ui.showQuickPick(items, { title: vscode.l10n.t('Revoke access'), placeHolder: vscode.l10n.t('Select a disk or snapshot to revoke access to'), ignoreFocusOut: true });
    return picked.ref;
}
