/**
 * One upload: create the disk for upload (or use one already waiting for it), grant Write, send
 * each blob with the transfer engine under one cancellable notification, verify, revoke — so the
 * disk becomes Unattached and usable. When it stops early the disk stays in ActiveUpload with the
 * Write grant, a journal keeps what was sent, and the user is told plainly and offered to continue
 * or to delete the disk: nothing is left in ActiveUpload silently.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { isLiveWriteGrant } from '../../shared/grants';
import { authorizationFor } from '../../azure/diskToken';
import type { ActionContext } from '../../platform/command';
import { afterRecheck, noticeAbout, withdrawNotices } from '../../platform/notices';
import { withCancellableProgress } from '../../platform/progress';
import { hashId } from '../../platform/telemetryMask';
import { UserCancelledError } from '../../shared/cancel';
import { checksSummary } from '../../shared/checks';
import { Cmd, StateKey } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { scrubSecrets } from '../../shared/secrets';
import { formatBytes, formatRate } from '../../shared/format';
import { BLOB_LABELS, type BlobKind, type DiskInfo, type DiskRef, type Grant } from '../../shared/types';
import { TransferError, uploadImage, type UploadResult } from '../../transfer';
import { uploadedMessage, uploadTitle } from './messages';
import { noteIfEnded } from './ended';
import { PendingUploads } from './pending';
import { markStepDone } from '../../platform/walkthrough';

/** Write grants last a day: long enough for a large image, and an expiry mid-way asks for a new one. */
const WRITE_GRANT_SECONDS = 24 * 3600;

export function pendingUploads(ctx: AppContext): PendingUploads {
    return new PendingUploads(ctx.services.context.globalState, StateKey.PendingUploads, ctx.services.log);
}

function journalPath(ctx: AppContext, ref: DiskRef, blob: BlobKind): string {
    const dir = path.join(ctx.services.context.globalStorageUri.fsPath, 'uploads');
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, `${crypto.createHash('sha256').update(ref.id.toLowerCase()).digest('hex').slice(0, 24)}-${blob}.journal`);
}

/** Sends `files` to the disk (ReadyToUpload or ActiveUpload with a grant in this window), then revokes. */
export async function uploadToDisk(ctx: AppContext, actx: ActionContext, disk: DiskInfo, files: Partial<Record<BlobKind, string>>): Promise<UploadResult[]> {
    const { services } = ctx;
    const ref: DiskRef = { tenantId: disk.tenantId, subscriptionId: disk.subscriptionId, resourceGroup: disk.resourceGroup, name: disk.name, kind: 'disk', id: disk.id };
    actx.telemetry.properties.diskIdHash = hashId(ref.id);
    actx.telemetry.properties.blobs = Object.keys(files).join(',');
    const blobs = (['disk', 'vmgs', 'vmmd'] as const).filter((b) => files[b]);
    // A notice about an earlier stop of this upload no longer holds once it runs again.
    withdrawNotices(ref.id);
    await pendingUploads(ctx).put({ ref, files, startedAt: new Date().toISOString() });
    const grant = await writeGrant(ctx, actx, disk, blobs.length > 1);
    const missing = blobs.filter((b) => !grant.urls[b]);
    if (missing.length) throw new DiskError('NoBlob', vscode.l10n.t('Azure granted no upload URL for the {0} of {1}. Create the disk with a security type that has it, or upload without that file.', missing.map((b) => BLOB_LABELS[b]).join(', '), ref.name));

    const authorization = await authorizationFor(ctx.sessions, disk);
    const results: UploadResult[] = [];
    let current = grant;
    try {
        // A journal left by an earlier run means this one continues it.
        const resuming = blobs.some((b) => fs.existsSync(journalPath(ctx, ref, b)));
        await withCancellableProgress(uploadTitle(ref.name, resuming), 'upload', async (signal, progress) => {
            let reported = 0;
            for (const [i, blob] of blobs.entries()) {
                const share = 100 / blobs.length;
                const result = await uploadImage({
                    imagePath: files[blob]!,
                    url: current.urls[blob]!,
                    kind: blob,
                    journalPath: journalPath(ctx, ref, blob),
                    resumeKey: `${ref.id.toLowerCase()}#${blob}`,
                    signal,
                    authorization,
                    log: (m) => services.log.debug(`${ref.name}/${blob}: ${m}`),
                    onProgress: (p) => {
                        const frac = p.bytesPlanned > 0 ? Math.min(1, p.bytesDone / p.bytesPlanned) : 0;
                        const target = i * share + frac * share;
                        progress.report({ increment: Math.max(0, target - reported), message: `${BLOB_LABELS[blob]}: ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesPlanned)} of data · ${formatRate(p.bytesPerSecond)}` });
                        reported = Math.max(reported, target);
                    },
                    refreshUrl: async () => {
                        services.log.info(`The write access to ${ref.name} expired during the upload: granting it again.`);
                        current = await ctx.actions.grantAccess(actx, ref, { preset: presetFor(blobs.length > 1), silentPanel: true, renew: true });
                        return current.urls[blob]!;
                    },
                });
                if (!result.checks.every((c) => c.passed)) {
                    throw new TransferError('VerificationFailed', result.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; '));
                }
                services.log.info(`Uploaded ${ref.name} (${blob}): ${result.bytesSent} bytes sent, ${result.bytesSkipped} skipped, ${result.bytesResumed} resumed; checks: ${result.checks.map((c) => c.name).join(', ')}.`);
                results.push(result);
            }
        });
    } catch (e) {
        const cancelled = e instanceof UserCancelledError || (e instanceof TransferError && e.code === 'Cancelled');
        const failure = cancelled ? undefined : uploadFailure(ref, e);
        stoppedEarly(ctx, ref, failure);
        if (cancelled) throw e instanceof UserCancelledError ? e : new UserCancelledError('upload');
        // The warning above says what happened and what can be done: no second toast.
        actx.errorHandled = true;
        throw failure;
    }
    actx.telemetry.measurements.bytesSent = results.reduce((a, r) => a + r.bytesSent, 0);
    actx.telemetry.measurements.bytesSkipped = results.reduce((a, r) => a + r.bytesSkipped, 0);
    // Revoking ends the upload: the disk becomes Unattached and can be attached to a VM.
    await ctx.actions.revokeAccess(actx, ref, { uploadComplete: true });
    await pendingUploads(ctx).remove(ref.id);
    const checks = checksSummary(results.flatMap((r) => r.checks));
    void services.ui.showInformationMessage(uploadedMessage(ref.name, checks, results.reduce((a, r) => a + r.bytesResumed, 0)));
    void markStepDone(services.context, 'upload');
    return results;
}

function presetFor(guestState: boolean) {
    return { access: 'Write' as const, durationInSeconds: WRITE_GRANT_SECONDS, getSecureVMGuestStateSAS: guestState || undefined };
}

/** Why this window cannot send an image into the disk now; undefined when it can. */
function uploadRefusal(ctx: AppContext, disk: DiskInfo): DiskError | undefined {
    if (isLiveWriteGrant(ctx.services.grants.get(disk.id))) return undefined;
    if (disk.diskState === 'ActiveUpload') {
        // Revoking would end the upload with what the disk holds now: never done behind the user's back.
        return new DiskError(
            'UploadElsewhere',
            vscode.l10n.t('{0} is receiving an upload whose access was granted elsewhere (or before this window reloaded), so its upload URL is not known here.', disk.name),
            vscode.l10n.t('Finish the upload where it started, or delete the disk and create it again.'),
        );
    }
    if (disk.diskState !== 'ReadyToUpload') {
        return new DiskError('NotForUpload', vscode.l10n.t('{0} is {1}: only a disk created for upload (ReadyToUpload) can receive an image.', disk.name, disk.diskState ?? ''), vscode.l10n.t('Use Create Disk from Image… on its resource group instead.'));
    }
    return undefined;
}

/** The Write grant: the one this window holds, or a new one on a disk waiting for upload. */
async function writeGrant(ctx: AppContext, actx: ActionContext, disk: DiskInfo, guestState: boolean): Promise<Grant> {
    const held = ctx.services.grants.get(disk.id);
    if (isLiveWriteGrant(held)) return held;
    const refused = uploadRefusal(ctx, disk);
    if (refused) throw refused;
    return ctx.actions.grantAccess(actx, disk, { preset: presetFor(guestState), silentPanel: true });
}

/** Tells the user where the disk stands (`failure` undefined: cancelled) and offers to continue or to delete it. */
function stoppedEarly(ctx: AppContext, ref: DiskRef, failure: DiskError | undefined): void {
    ctx.tree.refresh();
    const again = vscode.l10n.t('Upload Again');
    const del = vscode.l10n.t('Delete Disk');
    const what = failure ? vscode.l10n.t('The upload of {0} stopped: {1}', ref.name, failure.message) : vscode.l10n.t('The upload of {0} was cancelled.', ref.name);
    const message = `${what} ${vscode.l10n.t('The disk stays in the ActiveUpload state with what was sent so far (a VM cannot use it yet): Upload Again continues where it stopped, or delete the disk.')}`;
    ctx.services.log.warn(message);
    // Clicked maybe much later: each button checks the disk still waits for this upload (platform/notices.ts).
    const notice = noticeAbout(ref, (d) => d.diskState === 'ActiveUpload' || d.diskState === 'ReadyToUpload', (d) => noteIfEnded(ctx, d));
    void ctx.services.ui.showWarningMessage(message, { modal: false }, again, del).then(
        (choice) => {
            if (choice === again) void ctx.run(Cmd.UploadToDisk, afterRecheck(ctx.services, notice, (a) => continueUpload(ctx, a, ref)));
            else if (choice === del) void ctx.run(Cmd.DeleteDisk, afterRecheck(ctx.services, notice, (a) => ctx.actions.deleteDisk(a, ref)));
        },
        () => undefined,
    );
}

function uploadFailure(ref: DiskRef, e: unknown): DiskError {
    const code = e instanceof TransferError ? e.code : e instanceof DiskError ? e.code : 'Unknown';
    if (e instanceof DiskError) return e;
    return new DiskError(code, scrubSecrets(e instanceof Error ? e.message : String(e)));
}

/** Upload on a disk's node: the files recorded for it, or asked for. */
export async function continueUpload(ctx: AppContext, actx: ActionContext, ref: DiskRef): Promise<UploadResult[]> {
    const disk = await ctx.services.disks.getDisk(ref);
    await noteIfEnded(ctx, disk);
    // Said before the file is asked for: no file can go into a disk that takes none.
    const refused = uploadRefusal(ctx, disk);
    if (refused) throw refused;
    const rec = pendingUploads(ctx).get(ref.id);
    let files = rec?.files;
    if (!files || !files.disk || !fs.existsSync(files.disk)) {
        const state = ctx.services.context.globalState;
        const picked = await ctx.services.ui.showOpenDialog({ canSelectFiles: true, canSelectMany: false, openLabel: vscode.l10n.t('Upload this image'), title: vscode.l10n.t('Image to upload into {0}', ref.name), defaultFolder: state.get<string>(StateKey.ImageFolder) });
        if (!picked?.length) throw new UserCancelledError('file');
        files = { disk: picked[0].fsPath };
        await state.update(StateKey.ImageFolder, path.dirname(picked[0].fsPath));
    }
    return uploadToDisk(ctx, actx, disk, files);
}
