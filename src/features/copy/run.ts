/**
 * Copy to…: a disk or snapshot into a new disk in any signed-in subscription, group and region.
 * Grant Read on the source (with the guest-state SAS when it has a security profile), create the
 * target for upload (UploadPreparedSecure with the source's security type), grant Write, copy every
 * written range of each blob server-side (streaming where refused), verify, revoke both.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';
import { hashId } from '../../platform/telemetryMask';
import { UserCancelledError } from '../../shared/cancel';
import { Cmd } from '../../shared/constants';
import { canGrant } from '../../shared/diskStates';
import { attachedToRunningVm, DiskError } from '../../shared/errors';
import { formatBytes } from '../../shared/format';
import { diskNameProblem } from '../../shared/names';
import { BLOB_LABELS, type BlobKind, type DiskInfo, type DiskRef, type ResourceGroupInfo } from '../../shared/types';
import { copyPageBlob, pageBlobSize, TransferError, type CopyResult } from '../../transfer';
import { refOf, resolveDiskInfo } from '../../wizard/diskArg';
import { pickResourceGroup } from '../../wizard/pickDisk';

const GRANT_SECONDS = 24 * 3600;

interface CopyTarget {
    rg: ResourceGroupInfo;
    location: string;
    name: string;
}

async function askTarget(ctx: AppContext, source: DiskInfo): Promise<CopyTarget> {
    const { ui } = ctx.services;
    const rg = await pickResourceGroup(ctx.services, vscode.l10n.t('Copy {0} into which resource group?', source.name));
    const regions = [...new Set([rg.location, source.location].filter((l) => l))];
    const location = regions.length === 1 ? regions[0] : (await ui.showQuickPick(regions.map((l) => ({ label: l, description: l === rg.location ? vscode.l10n.t('the resource group\'s region') : vscode.l10n.t('the source\'s region') })), { placeHolder: vscode.l10n.t('Region of the copy'), ignoreFocusOut: true })).label;
    const name = (await ui.showInputBox({ prompt: vscode.l10n.t('Name of the new disk in {0}', rg.name), value: `${source.name}-copy`.slice(0, 80), validateInput: (v) => diskNameProblem(v.trim()), ignoreFocusOut: true })).trim();
    return { rg, location, name };
}

function journalPath(ctx: AppContext, key: string): string {
    const dir = path.join(ctx.services.context.globalStorageUri.fsPath, 'copies');
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, `${crypto.createHash('sha256').update(key).digest('hex').slice(0, 24)}.journal`);
}

export async function copyTo(ctx: AppContext, actx: ActionContext, arg: unknown): Promise<DiskInfo> {
    const { services } = ctx;
    const { disk: source } = await resolveDiskInfo(services, arg, { filter: canGrant, placeHolder: vscode.l10n.t('Select a disk or snapshot to copy') });
    actx.telemetry.properties.kind = source.kind;
    actx.telemetry.properties.diskIdHash = hashId(source.id);
    actx.telemetry.properties.security = source.securityType ? 'yes' : 'no';
    actx.errorContext = { diskName: source.name, attachedVm: source.attachedVm };
    if (source.diskState === 'Attached') throw attachedToRunningVm(source.name, source.attachedVm);
    const to = await askTarget(ctx, source);
    actx.telemetry.properties.crossRegion = String(to.location !== source.location);
    actx.telemetry.properties.crossSubscription = String(to.rg.subscriptionId !== source.subscriptionId);
    const secure = !!source.securityType;

    const srcGrant = await ctx.actions.grantAccess(actx, source, { preset: { access: 'Read', durationInSeconds: GRANT_SECONDS, fileFormat: 'VHD', getSecureVMGuestStateSAS: secure || undefined }, silentPanel: true });
    let target: DiskInfo | undefined;
    let targetRef: DiskRef | undefined;
    const results: Partial<Record<BlobKind, CopyResult>> = {};
    let ok = false;
    try {
        const size = await pageBlobSize(srcGrant.urls.disk!);
        target = await withCancellableProgress(vscode.l10n.t('Creating disk {0}…', to.name), 'create', (signal) =>
            services.disks.createForUpload(to.rg, {
                name: to.name,
                createOption: secure ? 'UploadPreparedSecure' : 'Upload',
                location: to.location,
                sku: source.sku ?? 'Standard_LRS',
                osType: source.osType === 'Linux' || source.osType === 'Windows' ? source.osType : undefined,
                securityType: source.securityType,
                uploadSizeBytes: size,
            }, signal),
        );
        targetRef = refOf(target);
        ctx.tree.refresh();
        const dstGrant = await ctx.actions.grantAccess(actx, target, { preset: { access: 'Write', durationInSeconds: GRANT_SECONDS, getSecureVMGuestStateSAS: secure || undefined }, silentPanel: true });
        const blobs = (['disk', 'vmgs', 'vmmd'] as const).filter((b) => srcGrant.urls[b]);
        const missing = blobs.filter((b) => !dstGrant.urls[b]);
        if (missing.length) throw new DiskError('NoBlob', vscode.l10n.t('The new disk {0} has no {1} to copy into.', to.name, missing.map((b) => BLOB_LABELS[b]).join(', ')));
        await withCancellableProgress(vscode.l10n.t('Copying {0} to {1}', source.name, to.name), 'copy', async (signal, progress) => {
            for (const [i, blob] of blobs.entries()) {
                let reported = 0;
                results[blob] = await copyPageBlob({
                    sourceUrl: srcGrant.urls[blob]!,
                    targetUrl: dstGrant.urls[blob]!,
                    journalPath: journalPath(ctx, `${source.id.toLowerCase()}#${blob}->${target!.id.toLowerCase()}`),
                    resumeKey: `${source.id.toLowerCase()}#${blob}->${target!.id.toLowerCase()}`,
                    signal,
                    log: (m) => services.log.info(`${source.name}/${blob} → ${to.name}: ${m}`),
                    onProgress: (p) => {
                        const share = 100 / blobs.length;
                        const at = i * share + (p.bytesToCopy ? (p.bytesDone / p.bytesToCopy) * share : share);
                        progress.report({ increment: Math.max(0, at - reported - i * share), message: `${BLOB_LABELS[blob]}: ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesToCopy)} · ${p.mode === 'server' ? vscode.l10n.t('server-side') : vscode.l10n.t('streamed')}` });
                        reported = at - i * share;
                    },
                });
                const failed = results[blob]!.checks.filter((c) => !c.passed);
                if (failed.length) throw new TransferError('VerificationFailed', failed.map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; '));
            }
        });
        ok = true;
    } finally {
        // Both SAS end with the copy, whatever happened: no disk is left in ActiveSAS or ActiveUpload.
        await revokeQuietly(ctx, actx, refOf(source));
        if (targetRef) await revokeQuietly(ctx, actx, targetRef);
        ctx.tree.refresh();
        if (!ok && targetRef) offerDelete(ctx, targetRef);
    }
    const all = Object.values(results);
    actx.telemetry.properties.mode = all.some((r) => r.mode === 'stream') ? 'stream' : 'server';
    actx.telemetry.measurements.bytesServerSide = all.reduce((a, r) => a + r.bytesServerSide, 0);
    actx.telemetry.measurements.bytesStreamed = all.reduce((a, r) => a + r.bytesStreamed, 0);
    const how = all.some((r) => r.mode === 'stream') ? vscode.l10n.t('streamed through this machine (the service refused a server-side copy)') : vscode.l10n.t('server-side');
    void services.ui.showInformationMessage(vscode.l10n.t('Copied and verified {0} to {1} in {2} ({3}, {4}).', source.name, to.name, to.rg.name, Object.keys(results).map((b) => BLOB_LABELS[b as BlobKind]).join(', '), how));
    return services.disks.getDisk(targetRef!);
}

async function revokeQuietly(ctx: AppContext, actx: ActionContext, ref: DiskRef): Promise<void> {
    try {
        const now = await ctx.services.disks.getDisk(ref);
        if (now.diskState === 'ActiveSAS' || now.diskState === 'ActiveUpload' || now.diskState === 'ActiveSASFrozen') await ctx.actions.revokeAccess(actx, ref);
    } catch (e) {
        if (e instanceof UserCancelledError) return;
        const message = vscode.l10n.t('Could not revoke access to {0}: {1} Run Revoke Access on it.', ref.name, e instanceof Error ? e.message : String(e));
        ctx.services.log.warn(message);
        void ctx.services.ui.showWarningMessage(message, { modal: false });
    }
}

function offerDelete(ctx: AppContext, ref: DiskRef): void {
    const del = vscode.l10n.t('Delete Disk');
    const message = vscode.l10n.t('The copy into {0} did not finish, so that disk is incomplete; its access is revoked. Delete it?', ref.name);
    ctx.services.log.warn(message);
    void ctx.services.ui.showWarningMessage(message, { modal: false }, del).then(
        (choice) => {
            if (choice === del) void ctx.run(Cmd.DeleteDisk, (a) => ctx.actions.deleteDisk(a, ref));
        },
        () => undefined,
    );
}
