/** Revoke Access: ends the SAS (EndGetAccess), forgets the grant, and puts the row back to its state. */
import * as vscode from 'vscode';
import { hashId } from '../../platform/telemetryMask';
import { UserCancelledError } from '../../shared/cancel';
import { hasActiveSas } from '../../shared/diskStates';
import type { AppContext } from '../../app/context';
import { refFromArg, refOf, resolveDiskInfo } from '../../wizard/diskArg';
import type { DiskRef } from '../../shared/types';
import { refreshRow } from './grantAccess';
import type { ActionContext } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';
import { markStepDone } from '../../platform/walkthrough';

export interface RevokeOptions {
    /** The caller has already asked (the start-up offer for a window's own earlier SAS). */
    confirmed?: boolean;
}

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
    if (!opts.confirmed && (fromPalette || known || !held)) {
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
    void markStepDone(services.context, 'revoke');
    await refreshRow(ctx, disk, disk.attachedVm ? 'Reserved' : 'Unattached');
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
