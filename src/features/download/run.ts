/**
 * One download run: a Read grant, the destination, the blobs fetched under one progress
 * notification (fetch.ts), the pending-download record for resume after a reload, and the outcome
 * with its revoke offer (outcome.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext, SaveAs } from '../../app/context';
import { authorizationFor } from '../../azure/diskToken';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { StateKey } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { blobsToDownload, presetOf } from '../../shared/grants';
import { BLOB_LABELS, type BlobKind, type DiskInfo, type DiskRef, type Grant } from '../../shared/types';
import type { DownloadResult } from '../../transfer';
import { chooseFolder, freeSpace, settleExistingFiles, spaceNote } from './destination';
import { fetchAll } from './fetch';
import { ensureReadGrant } from './grants';
import { describeFailure } from './messages';
import { finish } from './outcome';
import { PendingDownloads, type PendingDownload } from './pending';
import { settleDownloadedFile, SnapshotDownloadIndex } from './snapshotRecords';
import { checkSpace, diskBlobSize, planFiles, type PlannedFile } from './plan';

export interface RunOptions {
    blobs?: BlobKind[];
    /** Names other than the resource's own (an export names its file after the disk, not its snapshot). */
    saveAs?: SaveAs;
    /** Continue a download recorded before a window reload. */
    resume?: PendingDownload;
}

export function pendingStore(ctx: AppContext): PendingDownloads {
    return new PendingDownloads(ctx.services.context.globalState, StateKey.PendingDownloads, ctx.services.log);
}

export async function runDownload(ctx: AppContext, actx: ActionContext, ref: DiskRef, info: DiskInfo | undefined, opts: RunOptions): Promise<DownloadResult[] | undefined> {
    const { tracker, services } = ctx;
    const grant = await ensureReadGrant(ctx, actx, ref, opts.resume);
    const blobs = blobsToDownload(grant.urls, opts.resume?.blobs ?? opts.blobs);
    if (blobs.length === 0) throw new DiskError('NoBlob', vscode.l10n.t('The access grant of {0} has no URL for the requested blob.', ref.name));
    ctx.actions.showAccess(ref);
    const busy = blobs.filter((b) => tracker.isRunning(ref.id, b));
    if (busy.length) {
        void services.ui.showInformationMessage(vscode.l10n.t('{0} is already downloading ({1}).', ref.name, busy.map((b) => BLOB_LABELS[b]).join(', ')));
        return undefined;
    }

    const files = await destinationFiles(ctx, ref, grant, blobs, opts.resume, opts.saveAs);
    // Also on resume: a run that finished just before the window closed left a final file, not a partial.
    const resuming = await settleExistingFiles(services, files);
    const folder = path.dirname(files[0].destPath);
    actx.telemetry.properties.blobs = files.map((f) => f.blob).join(',');
    actx.telemetry.properties.resumed = opts.resume ? 'true' : 'false';
    try {
        await fs.promises.mkdir(folder, { recursive: true });
    } catch (e) {
        const d = describeFailure(e, { diskName: ref.name, folder });
        throw new DiskError(d.code, d.message);
    }
    await warnIfShortOfSpace(ctx, ref, info, files, folder);

    const disk = info?.diskState !== undefined ? info : await services.disks.getDisk(ref).catch(() => info);
    const authorization = disk ? await authorizationFor(ctx.sessions, disk) : undefined;
    actx.telemetry.properties.entra = authorization ? 'true' : 'false';

    const pending = pendingStore(ctx);
    await pending.add(pendingRecord(ref, grant, files));
    let fetched;
    try {
        fetched = await fetchAll(ctx, actx, ref, grant, files, { resuming, resumed: !!opts.resume, authorization, disk });
    } finally {
        if (!tracker.shuttingDown) await pending.remove(ref.id, files.map((f) => f.blob));
    }
    if (tracker.shuttingDown) throw new UserCancelledError('shutdown');
    const diskFile = files.find((f) => f.blob === 'disk');
    if (diskFile && fetched.outcomes.get('disk') === 'done') await recordWhatFileHolds(ctx, diskFile.destPath, ref.kind === 'snapshot' ? disk : undefined, grant.fileFormat);
    return finish(ctx, actx, ref, files, folder, fetched);
}

async function destinationFiles(ctx: AppContext, ref: DiskRef, grant: Grant, blobs: BlobKind[], resume: PendingDownload | undefined, saveAs: SaveAs | undefined): Promise<PlannedFile[]> {
    if (!resume) return planFiles(await chooseFolder(ctx.services, saveAs?.folderName ?? ref.name), saveAs?.fileBase ?? ref.name, grant.fileFormat, blobs);
    const files = blobs.filter((b) => resume.paths[b]).map((b) => ({ blob: b, destPath: resume.paths[b]!, fileName: path.basename(resume.paths[b]!) }));
    if (files.length === 0) throw new DiskError('NoBlob', vscode.l10n.t('The recorded download of {0} has no destination for the granted blobs.', ref.name));
    return files;
}

/** A sparse download needs only the written part, unknown until listed: the full size is a warning, ENOSPC the real stop. */
async function warnIfShortOfSpace(ctx: AppContext, ref: DiskRef, info: DiskInfo | undefined, files: PlannedFile[], folder: string): Promise<void> {
    const size = files.some((f) => f.blob === 'disk') ? (diskBlobSize(info ?? {}) ?? (await sizeFromService(ctx, ref))) : 0;
    const available = await freeSpace(folder);
    const space = checkSpace(available, [size]);
    if (space.mayNotFit && space.needed !== undefined) {
        const note = spaceNote(available ?? 0, space.needed, folder);
        ctx.services.log.warn(note);
        void ctx.services.ui.showInformationMessage(note);
    }
}

function pendingRecord(ref: DiskRef, grant: Grant, files: PlannedFile[]): PendingDownload {
    const preset = presetOf(grant);
    return {
        ref,
        blobs: files.map((f) => f.blob),
        paths: Object.fromEntries(files.map((f) => [f.blob, f.destPath])),
        fileFormat: grant.fileFormat,
        access: grant.access,
        guestState: !!preset.getSecureVMGuestStateSAS,
        durationInSeconds: preset.durationInSeconds,
        startedAt: new Date().toISOString(),
    };
}

/** The durable record beside a finished disk file (an incremental snapshot's VHD), so Update Earlier Download can find it; never fails the download. */
async function recordWhatFileHolds(ctx: AppContext, filePath: string, snapshot: DiskInfo | undefined, fileFormat: 'VHD' | 'VHDX'): Promise<void> {
    try {
        const record = await settleDownloadedFile(snapshotIndex(ctx), filePath, snapshot, fileFormat);
        if (record) ctx.services.log.info(`Recorded that ${path.basename(filePath)} holds snapshot ${snapshot?.name} (family ${record.familyId}), for later updates.`);
    } catch (e) {
        ctx.services.log.warn(`Could not record which snapshot ${path.basename(filePath)} holds: ${(e as Error)?.message ?? e}`);
    }
}

export function snapshotIndex(ctx: AppContext): SnapshotDownloadIndex {
    return new SnapshotDownloadIndex(ctx.services.context.globalState, StateKey.SnapshotDownloads);
}

async function sizeFromService(ctx: AppContext, ref: DiskRef): Promise<number | undefined> {
    try {
        return diskBlobSize(await ctx.services.disks.getDisk(ref));
    } catch {
        return undefined;
    }
}
