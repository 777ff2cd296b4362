/** Grant Access…: wizard, cancellable long-running grant, the access panel; returns the Grant. */
import * as vscode from 'vscode';
import { afterRecheck, noticeAbout } from '../../platform/notices';
import { hashId } from '../../platform/telemetryMask';
import type { AppContext, GrantOptions } from '../../app/context';
import { Cmd } from '../../shared/constants';
import { attachedToRunningVm, DiskError, mapError } from '../../shared/errors';
import type { DiskInfo, Grant } from '../../shared/types';
import { UserCancelledError } from '../../shared/cancel';
import { canGrant, hasActiveSas, isPrivateOnly, needsDiskToken } from '../../shared/diskStates';
import { DISK_DATA_ROLE, privateOnlyMessage, privateOnlyNextStep } from '../../shared/dataAccess';
import { refFromArg, refOf, resolveDiskInfo } from '../../wizard/diskArg';
import { diskPicker, type PickContext } from '../../wizard/pickDisk';
import { runWizard, type WizardStep } from '../../wizard/engine';
import type { ActionContext } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';
import { toRequest, type GrantContext } from './steps';
import { formatLifetime } from '../../shared/format';
import { grantSteps, grantTitle, runGrantWizard, type GrantWizardContext } from './wizard';
import { ensureSnapshotExportable } from '../../wizard/snapshotAccess';
import { markStepDone } from '../../platform/walkthrough';

export async function grantAccess(ctx: AppContext, actx: ActionContext, arg?: unknown, options: GrantOptions = {}): Promise<Grant> {
    const { services, tree } = ctx;
    const { disk, fromPalette, answers } = await chooseDisk(ctx, arg, options);
    actx.telemetry.properties.kind = disk.kind;
    actx.telemetry.properties.diskIdHash = hashId(disk.id);
    actx.telemetry.properties.fromPalette = String(fromPalette);
    actx.telemetry.properties.diskState = disk.diskState ?? 'unknown';
    actx.telemetry.properties.security = disk.securityType ? 'yes' : 'no';
    actx.errorContext = { operation: 'grant', diskName: disk.name, attachedVm: disk.attachedVm };
    tree.updateDisk(disk);

    const existing = services.grants.get(disk.id);
    // The SAS a transfer runs on stopped working: Azure issues a new one on request once it has
    // expired, with no revoke (which would end an upload).
    const renewing = options.renew === true && hasActiveSas(disk);
    if (hasActiveSas(disk) && !renewing) {
        // A caller that needs a SAS (download) can use the one this window already holds.
        if (existing && options.silentPanel && (!options.preset?.access || options.preset.access === existing.access)) return existing;
        await offerForActiveSas(ctx, actx, disk, !!existing);
    }
    if (disk.diskState === 'Attached') offerSnapshotInstead(ctx, actx, disk);
    if (!renewing && !canGrant(disk)) {
        throw new DiskError('Conflict', vscode.l10n.t('{0} is {1}; access can be granted only to an unattached disk, a disk of a deallocated VM, or a disk ready for upload.', disk.name, disk.diskState ?? ''), vscode.l10n.t('Refresh the view and try again when the disk is free.'));
    }

    if (!renewing) await ensureSnapshotExportable(ctx, actx, disk);
    explainDataAccess(ctx, disk);
    const asked: GrantContext = answers ?? (await runGrantWizard({ disk, ...options.preset }, services.ui));
    const request = toRequest(asked);
    actx.telemetry.properties.access = request.access;
    actx.telemetry.properties.guestState = String(!!request.getSecureVMGuestStateSAS);
    actx.telemetry.properties.fileFormat = request.fileFormat ?? 'VHD';
    actx.telemetry.measurements.durationSeconds = request.durationInSeconds;
    services.log.info(`Granting ${request.access} access to ${disk.kind} ${disk.name} for ${formatLifetime(request.durationInSeconds)}.`);

    const grant = await tree.withBusy(disk.id, vscode.l10n.t('Granting access…'), () =>
        withCancellableProgress(vscode.l10n.t('Granting access to {0}…', disk.name), 'grant', (signal) => services.disks.grantAccess(refOf(disk), request, signal)),
    ).catch((e: unknown) => {
        if (e instanceof UserCancelledError) void offerRevokeAfterCancel(ctx, disk);
        // The view's state was stale: Azure says the VM runs.
        if (mapError(e).code === 'AttachedToRunningVm') offerSnapshotInstead(ctx, actx, disk);
        throw e;
    });

    services.grants.set(grant);
    void markStepDone(services.context, 'grant');
    actx.telemetry.measurements.blobCount = Object.keys(grant.urls).length;
    await refreshRow(ctx, disk, 'ActiveSAS');
    if (!options.silentPanel) ctx.actions.showAccess(grant.ref);
    return grant;
}

/**
 * From a tree row: the disk, read again. From the palette: one wizard, the disk picker's steps and
 * then the grant questions (one count, Back from the first question to the disk list). A disk that
 * cannot be granted ends the wizard at its pick; the caller says why.
 */
async function chooseDisk(ctx: AppContext, arg: unknown, options: GrantOptions): Promise<{ disk: DiskInfo; fromPalette: boolean; answers?: GrantContext }> {
    const { services } = ctx;
    if (refFromArg(arg)) return resolveDiskInfo(services, arg);
    const picker = await diskPicker(services, { filter: (d) => canGrant(d) || hasActiveSas(d) || d.diskState === 'Attached', placeHolder: vscode.l10n.t('Select a disk or snapshot to grant access to') });
    type Ctx = PickContext & GrantWizardContext;
    const steps: WizardStep<Ctx>[] = [...picker.steps, ...grantSteps<Ctx>((c) => !c.disk || (canGrant(c.disk) && !hasActiveSas(c.disk)))];
    const done = await runWizard<Ctx>({ ...picker.initial, ...options.preset }, steps, services.ui, (c) => (c.disk ? grantTitle(c.disk) : picker.title));
    const disk = done.disk!;
    return { disk, fromPalette: true, answers: canGrant(disk) && !hasActiveSas(disk) ? { ...done, disk } : undefined };
}

async function offerForActiveSas(ctx: AppContext, actx: ActionContext, disk: DiskInfo, held: boolean): Promise<never> {
    const showAccess = vscode.l10n.t('Show Access');
    const revoke = vscode.l10n.t('Revoke');
    const items = held ? [showAccess, revoke] : [revoke];
    actx.errorHandled = true;
    const message = held
        ? vscode.l10n.t('{0} already has an active SAS granted in this window. Show the access, or revoke it and grant again.', disk.name)
        : vscode.l10n.t('{0} already has an active SAS (granted elsewhere, or earlier). Revoke it, then grant again.', disk.name);
    // Clicked maybe much later: Revoke checks first that the SAS is still out (platform/notices.ts).
    const notice = noticeAbout(refOf(disk), hasActiveSas);
    void ctx.services.ui.showErrorMessage(message, ...items).then((choice) => {
        if (choice === showAccess) ctx.actions.showAccess(refOf(disk));
        else if (choice === revoke) void ctx.run(Cmd.RevokeAccess, afterRecheck(ctx.services, notice, (a) => ctx.actions.revokeAccess(a, refOf(disk))));
    }, () => undefined);
    throw new DiskError('SasAlreadyActive', message);
}

/**
 * A running VM's disk cannot be granted access; rather than only "stop the VM" (downtime), offer
 * to export it through an incremental snapshot, which the VM never notices.
 */
function offerSnapshotInstead(ctx: AppContext, actx: ActionContext, disk: DiskInfo): never {
    const refused = attachedToRunningVm(disk.name, disk.attachedVm);
    if (disk.kind !== 'disk') throw refused;
    const exportIt = vscode.l10n.t('Export a Snapshot Instead');
    const message = `${refused.message} ${vscode.l10n.t('Stop (deallocate) the VM first, or export an incremental snapshot of the disk instead: the VM keeps running.')}`;
    actx.errorHandled = true;
    void ctx.services.ui.showErrorMessage(message, exportIt).then((choice) => {
        if (choice === exportIt) void ctx.run(Cmd.ExportSnapshot, (a) => ctx.actions.exportSnapshot(a, refOf(disk)));
    }, () => undefined);
    throw new DiskError(refused.code, message, refused.nextStep);
}

/** The grant may have completed on the service before the cancel reached it: say so and offer revoke. */
async function offerRevokeAfterCancel(ctx: AppContext, disk: DiskInfo): Promise<void> {
    try {
        const now = await ctx.services.disks.getDisk(refOf(disk));
        ctx.tree.updateDisk(now);
        if (!hasActiveSas(now)) return;
        const revoke = vscode.l10n.t('Revoke');
        const notice = noticeAbout(refOf(now), hasActiveSas);
        const choice = await ctx.services.ui.showWarningMessage(
            vscode.l10n.t('Granting access to {0} was cancelled, but Azure had already granted it: the disk has an active SAS.', disk.name),
            { modal: false },
            revoke,
        );
        if (choice === revoke) await ctx.run(Cmd.RevokeAccess, afterRecheck(ctx.services, notice, (a) => ctx.actions.revokeAccess(a, refOf(disk))));
    } catch (e) {
        ctx.services.log.warn(`Could not check ${disk.name} after a cancelled grant: ${(e as Error)?.message ?? e}`);
    }
}

/** Reads the disk's state again for its row; if that fails, shows the expected state. */
export async function refreshRow(ctx: AppContext, disk: DiskInfo, expected: string): Promise<void> {
    try {
        ctx.tree.updateDisk(await ctx.services.disks.getDisk(refOf(disk)));
    } catch {
        ctx.tree.updateDisk({ ...disk, diskState: expected });
    }
}

/** Said before granting: the SAS alone will not do for these disks, and why. */
function explainDataAccess(ctx: AppContext, disk: DiskInfo): void {
    if (isPrivateOnly(disk)) {
        const text = `${privateOnlyMessage(disk.name, disk.networkAccessPolicy)} ${privateOnlyNextStep(disk.networkAccessPolicy)}`;
        ctx.services.log.warn(text);
        void ctx.services.ui.showInformationMessage(text);
    }
    if (needsDiskToken(disk)) {
        ctx.services.log.info(`${disk.name} is protected by Entra ID: its blob requests carry a token of this sign-in and need the "${DISK_DATA_ROLE}" role.`);
    }
}
