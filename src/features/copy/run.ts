/**
 * Copy to…: a disk or snapshot into a new disk in any signed-in subscription, group and region.
 * Grant Read on the source (with the guest-state SAS when it has a security profile), create the
 * target for upload (UploadPreparedSecure with the source's security type), grant Write, copy every
 * written range of each blob server-side (streaming where refused), verify, revoke both. A copy that
 * stops keeps its journals and a record, so Copy to… on the same source resumes it into the same
 * target. An incremental snapshot going to another region can be copied by Azure itself (CopyStart).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { authorizationFor } from '../../azure/diskToken';
import { isLiveWriteGrant } from '../../shared/grants';
import type { ActionContext } from '../../platform/command';
import { withdrawNotices } from '../../platform/notices';
import { withCancellableProgress } from '../../platform/progress';
import { hashId } from '../../platform/telemetryMask';
import { UserCancelledError } from '../../shared/cancel';
import { Cmd } from '../../shared/constants';
import { canGrant } from '../../shared/diskStates';
import { attachedToRunningVm, DiskError } from '../../shared/errors';
import { formatBytes } from '../../shared/format';
import { BLOB_LABELS, type BlobKind, type DiskInfo, type DiskRef, type Grant } from '../../shared/types';
import { blobProperties, copyPageBlob, TransferError, type CopyResult } from '../../transfer';
import { refOf, resolveDiskInfo } from '../../wizard/diskArg';
import { copyStart } from './copyStart';
import { ensureSnapshotExportable } from '../../wizard/snapshotAccess';
import { markStepDone } from '../../platform/walkthrough';
import { offerDelete, stoppedEarly, stopReason } from './outcome';
import { copyKey, type PendingCopy } from './pending';
import { askResume, forgetCopy, isNotFound, pendingCopies, resumability, trackCopy } from './resume';
import { logCopyRun, type CopyRunLog } from './runLog';
import { askTarget, type CopyTarget } from './target';

const GRANT_SECONDS = 24 * 3600;

export function journalPath(ctx: AppContext, key: string): string {
    const dir = path.join(ctx.services.context.globalStorageUri.fsPath, 'copies');
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, `${crypto.createHash('sha256').update(key).digest('hex').slice(0, 24)}.journal`);
}

export interface CopyRunOptions {
    /** Continue this unfinished copy (from "Resume Copy") instead of asking. */
    resume?: PendingCopy;
    /** Copy into this target without asking (Delete Target and Restart). */
    target?: CopyTarget;
}

/**
 * Delete Target and Restart: the target of a copy that cannot resume (its Write SAS is gone with a
 * reload) is deleted after the usual confirmation, and the source copied again into a new disk of
 * the same name, group and region.
 */
export function restartCopy(ctx: AppContext, rec: PendingCopy): void {
    void ctx.run(Cmd.CopyTo, async (a) => {
        const old = await ctx.services.disks.getDisk(rec.target);
        if (!(await ctx.actions.deleteDisk(a, rec.target))) return undefined;
        await forgetCopy(ctx, rec, (k) => journalPath(ctx, k));
        const to: CopyTarget = { rg: { tenantId: old.tenantId, subscriptionId: old.subscriptionId, name: old.resourceGroup, location: old.location }, location: old.location, name: old.name, path: 'pages' };
        return copyTo(ctx, a, rec.source, { target: to });
    });
}

/** Runs Copy to… again for `rec` as its own command (the Resume Copy buttons). */
export function resumeCopy(ctx: AppContext, rec: PendingCopy): void {
    void ctx.run(Cmd.CopyTo, (a) => copyTo(ctx, a, undefined, { resume: rec }));
}

export async function copyTo(ctx: AppContext, actx: ActionContext, arg: unknown, opts: CopyRunOptions = {}): Promise<DiskInfo> {
    const { services } = ctx;
    const source = opts.resume ? await services.disks.getDisk(opts.resume.source) : (await resolveDiskInfo(services, arg, { filter: canGrant, placeHolder: vscode.l10n.t('Select a disk or snapshot to copy') })).disk;
    actx.telemetry.properties.kind = source.kind;
    actx.telemetry.properties.diskIdHash = hashId(source.id);
    actx.telemetry.properties.security = source.securityType ? 'yes' : 'no';
    actx.errorContext = { diskName: source.name, attachedVm: source.attachedVm };
    if (source.diskState === 'Attached') throw attachedToRunningVm(source.name, source.attachedVm);
    // Said before the target is asked: a snapshot still in InstantAccess cannot be copied out yet.
    if (!opts.resume) await ensureSnapshotExportable(ctx, actx, source);
    let resume = opts.resume;
    if (!resume && !opts.target) {
        // Only copies whose target this window can still write into (not one opened before a reload).
        const pending = [];
        for (const p of pendingCopies(ctx).from(source.id)) if ((await resumability(ctx, p)) === 'resume') pending.push(p);
        if (pending.length) resume = await askResume(services.ui, source, pending);
    }
    const to = resume ? undefined : (opts.target ?? (await askTarget(services, source)));
    if (to) {
        actx.telemetry.properties.crossRegion = String(to.location !== source.location);
        actx.telemetry.properties.crossSubscription = String(to.rg.subscriptionId !== source.subscriptionId);
        if (to.path === 'copyStart') return copyStart(ctx, actx, source, to);
    }
    actx.telemetry.properties.resumed = String(!!resume);
    const secure = !!source.securityType;

    const readPreset = { access: 'Read' as const, durationInSeconds: GRANT_SECONDS, fileFormat: 'VHD' as const, getSecureVMGuestStateSAS: secure || undefined };
    let srcGrant = await ctx.actions.grantAccess(actx, source, { preset: readPreset, silentPanel: true });
    // Entra-protected disks: each side's token; the source's goes with Put Page From URL too.
    const sourceAuth = await authorizationFor(ctx.sessions, source);
    const blobs = (['disk', 'vmgs', 'vmmd'] as const).filter((b) => srcGrant.urls[b]);
    const results: Partial<Record<BlobKind, CopyResult>> = {};
    const run = trackCopy();
    let rec: PendingCopy | undefined;
    let runLog: CopyRunLog | undefined;
    let failedTarget: DiskRef | undefined;
    try {
        const size = (await blobProperties(srcGrant.urls.disk!, { authorization: sourceAuth })).size;
        const target = resume ? await openTarget(ctx, resume) : await createTarget(ctx, source, to!, size, secure, (ref) => (failedTarget = ref));
        rec = { source: refOf(source), target: refOf(target), blobs: [...blobs], startedAt: resume?.startedAt ?? new Date().toISOString(), targetCreated: resume?.targetCreated ?? target.timeCreated?.toISOString() };
        await pendingCopies(ctx).put(rec);
        withdrawNotices(rec.target.id);
        ctx.tree.refresh();
        let dstGrant = await writeGrant(ctx, actx, target, secure);
        const targetAuth = await authorizationFor(ctx.sessions, target);
        const missing = blobs.filter((b) => !dstGrant.urls[b]);
        if (missing.length) throw new DiskError('NoBlob', vscode.l10n.t('The new disk {0} has no {1} to copy into.', target.name, missing.map((b) => BLOB_LABELS[b]).join(', ')));
        const into = rec.target;
        runLog = logCopyRun(services.log, refOf(source), into, blobs, !!resume);
        await withCancellableProgress(vscode.l10n.t('Copying {0} to {1}', source.name, into.name), 'copy', async (progressSignal, progress) => {
            const signal = AbortSignal.any([progressSignal, run.signal]);
            let reported = 0;
            for (const [i, blob] of blobs.entries()) {
                const key = copyKey(source, blob, into);
                const share = 100 / blobs.length;
                results[blob] = await copyPageBlob({
                    sourceUrl: srcGrant.urls[blob]!,
                    targetUrl: dstGrant.urls[blob]!,
                    journalPath: journalPath(ctx, key),
                    resumeKey: key,
                    signal,
                    sourceAuthorization: sourceAuth,
                    targetAuthorization: targetAuth,
                    refreshSource: async () => {
                        srcGrant = await ctx.actions.renewExpired(actx, refOf(source), srcGrant, blob, readPreset, 'copy');
                        return urlOf(srcGrant, blob);
                    },
                    refreshTarget: async () => {
                        services.log.info(`The write access to ${into.name} expired during the copy: granting it again.`);
                        dstGrant = await ctx.actions.grantAccess(actx, into, { preset: writePreset(secure), silentPanel: true, renew: true });
                        return urlOf(dstGrant, blob);
                    },
                    log: (m) => services.log.info(`${source.name}/${blob} → ${into.name}: ${m}`),
                    onProgress: (p) => {
                        const at = i * share + (p.bytesPlanned ? (p.bytesDone / p.bytesPlanned) * share : share);
                        progress.report({ increment: Math.max(0, at - reported), message: `${BLOB_LABELS[blob]}: ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesPlanned)} · ${p.mode === 'server' ? vscode.l10n.t('server-side') : vscode.l10n.t('streamed')}` });
                        reported = Math.max(reported, at);
                    },
                });
                const failed = results[blob]!.checks.filter((c) => !c.passed);
                if (failed.length) {
                    // What the journal says was copied is not what the target holds: a resume copies everything again.
                    fs.rmSync(journalPath(ctx, key), { force: true });
                    throw new TransferError('VerificationFailed', failed.map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; '));
                }
            }
        });
    } catch (e) {
        // The source's SAS ends here whatever happened; the target keeps its write access so the copy can resume.
        await ctx.actions.revokeQuietly(actx, refOf(source));
        if (rec) {
            const state = (await services.disks.getDisk(rec.target).catch(() => undefined))?.diskState;
            const reason = stopReason(e);
            stoppedEarly(ctx, rec, reason, state, (r) => resumeCopy(ctx, r));
            // The warning says what happened and what can be done: no second toast.
            if (reason) actx.errorHandled = true;
        } else if (failedTarget) {
            offerDelete(ctx, failedTarget);
        }
        ctx.tree.refresh();
        throw (e as { code?: string }).code === 'Cancelled' ? new UserCancelledError('copy') : e;
    } finally {
        run.done();
    }
    // Both SAS end with the copy: no disk is left in ActiveSAS or ActiveUpload.
    await ctx.actions.revokeQuietly(actx, refOf(source));
    await ctx.actions.revokeQuietly(actx, rec.target, { uploadComplete: true });
    await forgetCopy(ctx, rec, (k) => journalPath(ctx, k));
    runLog?.done(results);
    ctx.tree.refresh();
    const all = Object.values(results);
    const streamed = all.some((r) => r.mode === 'stream');
    const resumedBytes = all.reduce((a, r) => a + r.bytesResumed, 0);
    actx.telemetry.properties.mode = streamed ? 'stream' : 'server';
    actx.telemetry.measurements.bytesServerSide = all.reduce((a, r) => a + r.bytesServerSide, 0);
    actx.telemetry.measurements.bytesStreamed = all.reduce((a, r) => a + r.bytesStreamed, 0);
    actx.telemetry.measurements.bytesResumed = resumedBytes;
    const how = streamed ? vscode.l10n.t('streamed through this machine (the service refused a server-side copy)') : vscode.l10n.t('server-side (Put Page From URL)');
    const resumedNote = resumedBytes > 0 ? ` ${vscode.l10n.t('Resumed: {0} had been copied before and was not copied again.', formatBytes(resumedBytes))}` : '';
    void services.ui.showInformationMessage(vscode.l10n.t('Copied and verified {0} to {1} in {2} ({3}, {4}).', source.name, rec.target.name, rec.target.resourceGroup, Object.keys(results).map((b) => BLOB_LABELS[b as BlobKind]).join(', '), how) + resumedNote);
    void markStepDone(services.context, 'copy');
    return services.disks.getDisk(rec.target);
}

/** The target of an unfinished copy: the same disk as before, or a refusal in plain words. */
async function openTarget(ctx: AppContext, rec: PendingCopy): Promise<DiskInfo> {
    let target: DiskInfo;
    try {
        target = await ctx.services.disks.getDisk(rec.target);
    } catch (e) {
        if (isNotFound(e)) {
            await forgetCopy(ctx, rec, (k) => journalPath(ctx, k));
            throw new DiskError('NotFound', vscode.l10n.t('{0}, the disk the copy of {1} was writing, no longer exists: the copy cannot resume.', rec.target.name, rec.source.name), vscode.l10n.t('Run Copy to… again for a new copy.'));
        }
        throw e;
    }
    const created = target.timeCreated?.toISOString();
    if (target.kind !== 'disk' || (rec.targetCreated && created && created !== rec.targetCreated)) {
        await forgetCopy(ctx, rec, (k) => journalPath(ctx, k));
        throw new DiskError('NotTheTarget', vscode.l10n.t('{0} is not the disk the copy of {1} was writing (it was made again since): the copy will not resume into it.', rec.target.name, rec.source.name), vscode.l10n.t('Run Copy to… again for a new copy.'));
    }
    return target;
}

async function createTarget(ctx: AppContext, source: DiskInfo, to: CopyTarget, size: number, secure: boolean, onFailed: (ref: DiskRef) => void): Promise<DiskInfo> {
    const { services } = ctx;
    try {
        return await withCancellableProgress(vscode.l10n.t('Creating disk {0}…', to.name), 'create', (signal) =>
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
    } catch (e) {
        // A create that failed in Azure can leave the disk behind (provisioningState Failed).
        const ref: DiskRef = { tenantId: to.rg.tenantId, subscriptionId: to.rg.subscriptionId, resourceGroup: to.rg.name, name: to.name, kind: 'disk', id: `/subscriptions/${to.rg.subscriptionId}/resourceGroups/${to.rg.name}/providers/Microsoft.Compute/disks/${to.name}` };
        const left = await services.disks.getDisk(ref).catch(() => undefined);
        if (left) onFailed(refOf(left));
        throw e;
    }
}

/** Write access to the target: the one this window holds, or a new one. */
async function writeGrant(ctx: AppContext, actx: ActionContext, target: DiskInfo, secure: boolean): Promise<Grant> {
    const held = ctx.services.grants.get(target.id);
    if (isLiveWriteGrant(held)) return held;
    try {
        return await ctx.actions.grantAccess(actx, target, { preset: writePreset(secure), silentPanel: true });
    } catch (e) {
        if (target.diskState !== 'ActiveUpload') throw e;
        throw new DiskError(
            'UploadElsewhere',
            vscode.l10n.t('{0} is open for writing under an access granted to a window that has closed, and Azure gives no second write access while it lasts: this copy cannot continue into it.', target.name),
            vscode.l10n.t('Delete {0} and run Copy to… again.', target.name),
        );
    }
}

function writePreset(secure: boolean) {
    return { access: 'Write' as const, durationInSeconds: GRANT_SECONDS, getSecureVMGuestStateSAS: secure || undefined };
}

function urlOf(g: Grant, blob: BlobKind): string {
    const u = g.urls[blob];
    if (!u) throw new TransferError('SasExpired', 'The new access grant has no URL for this blob.');
    return u;
}
