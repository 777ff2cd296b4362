/**
 * One download run: a Read grant, the destination, the transfer engine per blob with progress in a
 * notification and in the access panel, SAS renewal, the pending-download record, and revoke offers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Cmd, Setting, StateKey } from '../constants';
import type { BlobKind, DiskInfo, DiskRef, Grant } from '../azure/types';
import { UserCancelledError, type Services } from '../services';
import type { ActionContext } from '../commands/wrapper';
import { downloadBlob, TransferError, type DownloadResult } from '../transfer';
import { AccessPanels } from '../webview/accessPanel';
import { BLOB_LABELS } from '../webview/protocol';
import { formatBytes, formatDuration, formatRate } from '../webview/format';
import { chooseFolder, freeSpace, settleExistingFiles, spaceNote } from './destination';
import { clearOrphanedSas, isExpired, presetOf, requestGrant, type GrantPreset } from './grant';
import { checksSummary, describeFailure } from './messages';
import { PendingDownloads, type PendingDownload } from './pending';
import { blobsToDownload, checkSpace, diskBlobSize, planFiles, type PlannedFile } from './plan';
import { revokePerPolicy, revokePolicy } from './revoke';
import { trackerFor } from './tracker';

export interface RunOptions {
    blobs?: BlobKind[];
    /** Continue a download recorded before a window reload. */
    resume?: PendingDownload;
}

export function pendingStore(services: Services): PendingDownloads {
    return new PendingDownloads(services.context.globalState, StateKey.PendingDownloads);
}

export async function runDownload(services: Services, actx: ActionContext, ref: DiskRef, info: DiskInfo | undefined, opts: RunOptions): Promise<DownloadResult[] | undefined> {
    const tracker = trackerFor(services);
    const log = services.log;
    const grant = await ensureReadGrant(services, ref, opts.resume);
    const blobs = blobsToDownload(grant.urls, opts.resume?.blobs ?? opts.blobs);
    if (blobs.length === 0) throw new Error(vscode.l10n.t('The access grant of {0} has no URL for the requested blob.', ref.name));
    const busy = blobs.filter((b) => tracker.isRunning(ref.id, b));
    if (busy.length) {
        AccessPanels.show(services, ref);
        void services.ui.showInformationMessage(vscode.l10n.t('{0} is already downloading ({1}).', ref.name, busy.map((b) => BLOB_LABELS[b]).join(', ')));
        return undefined;
    }
    AccessPanels.show(services, ref);

    let files: PlannedFile[];
    let resuming = new Set<string>();
    if (opts.resume) {
        const rec = opts.resume;
        files = blobs.filter((b) => rec.paths[b]).map((b) => ({ blob: b, destPath: rec.paths[b]!, fileName: path.basename(rec.paths[b]!) }));
        if (files.length === 0) throw new Error(vscode.l10n.t('The recorded download of {0} has no destination for the granted blobs.', ref.name));
    } else {
        files = planFiles(await chooseFolder(services, ref.name), ref.name, grant.fileFormat, blobs);
    }
    // Also on resume: a run that finished just before the window closed left a final file, not a partial.
    resuming = await settleExistingFiles(services, files);
    const folder = path.dirname(files[0].destPath);
    actx.telemetry.properties.blobs = files.map((f) => f.blob).join(',');
    actx.telemetry.properties.resumed = opts.resume ? 'true' : 'false';
    try {
        await fs.promises.mkdir(folder, { recursive: true });
    } catch (e) {
        throw friendly(actx, e, ref, folder, services);
    }

    const size = files.some((f) => f.blob === 'disk') ? (diskBlobSize(info ?? {}) ?? (await sizeFromService(services, ref))) : 0;
    const available = await freeSpace(folder);
    const space = checkSpace(available, [size]);
    if (space.mayNotFit && space.needed !== undefined) {
        const note = spaceNote(available ?? 0, space.needed, folder);
        log.warn(note);
        void services.ui.showInformationMessage(note);
    }

    const pending = pendingStore(services);
    const preset = presetOf(grant);
    await pending.add({
        ref,
        blobs: files.map((f) => f.blob),
        paths: Object.fromEntries(files.map((f) => [f.blob, f.destPath])),
        fileFormat: grant.fileFormat,
        access: grant.access,
        guestState: !!preset.getSecureVMGuestStateSAS,
        durationInSeconds: preset.durationInSeconds,
        startedAt: new Date().toISOString(),
    });

    const results: DownloadResult[] = [];
    const outcomes = new Map<BlobKind, 'done' | 'cancelled' | 'failed'>();
    let firstError: unknown;
    let current = grant;
    const concurrency = vscode.workspace.getConfiguration(Setting.Section).get<number>(Setting.DownloadConcurrency, 16);
    try {
        await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', ref.name), cancellable: true },
            async (progress, token) => {
                const cancelAll = token.onCancellationRequested(() => tracker.cancel(ref.id));
                let reported = 0;
                try {
                    for (const [i, f] of files.entries()) {
                        if (token.isCancellationRequested) {
                            tracker.failed(ref.id, f.blob, 'Download cancelled before it started.', true);
                            outcomes.set(f.blob, 'cancelled');
                            continue;
                        }
                        const controller = new AbortController();
                        tracker.start(ref.id, f.blob, controller, f.fileName, resuming.has(f.blob) || !!opts.resume);
                        const share = 100 / files.length;
                        try {
                            const url = current.urls[f.blob];
                            if (!url) throw new TransferError('SasExpired', 'The access grant has no URL for this blob any more.');
                            const result = await downloadBlob({
                                url,
                                destPath: f.destPath,
                                format: f.blob === 'disk' ? (current.fileFormat === 'VHDX' ? 'vhdx' : 'vhd') : 'auto',
                                concurrency: clampConcurrency(concurrency),
                                signal: controller.signal,
                                resumeKey: `${ref.id.toLowerCase()}#${f.blob}`,
                                log: (m) => log.debug(`${ref.name}/${f.blob}: ${m}`),
                                onProgress: (p) => {
                                    tracker.progress(ref.id, f.blob, p);
                                    const frac = p.bytesToFetch > 0 ? Math.min(1, p.bytesDone / p.bytesToFetch) : 0;
                                    const target = i * share + frac * share;
                                    const eta = p.etaSeconds !== undefined ? ` · ${formatDuration(p.etaSeconds)} left` : '';
                                    progress.report({
                                        increment: Math.max(0, target - reported),
                                        message: `${BLOB_LABELS[f.blob]}: ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesToFetch)} · ${formatRate(p.bytesPerSecond)}${eta}`,
                                    });
                                    reported = Math.max(reported, target);
                                },
                                refreshUrl: async () => {
                                    current = await renewGrant(services, ref, current, f.blob, preset);
                                    const next = current.urls[f.blob];
                                    if (!next) throw new TransferError('SasExpired', 'The new access grant has no URL for this blob.');
                                    return next;
                                },
                            });
                            results.push(result);
                            const verified = result.checks.every((c) => c.passed);
                            if (!verified) throw new TransferError('VerificationFailed', result.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; '));
                            tracker.done(ref.id, f.blob, result.checks, f.fileName);
                            outcomes.set(f.blob, 'done');
                        } catch (e) {
                            if (controller.signal.aborted || (e instanceof TransferError && e.code === 'Cancelled')) {
                                tracker.failed(ref.id, f.blob, 'Download cancelled. The partial file is kept: run Download again to resume.', true);
                                outcomes.set(f.blob, 'cancelled');
                                continue;
                            }
                            const d = describeFailure(e, { diskName: ref.name, folder });
                            log.error(`Download of ${ref.name} (${f.blob}) failed (${d.code}).`);
                            tracker.failed(ref.id, f.blob, d.message, false);
                            outcomes.set(f.blob, 'failed');
                            firstError ??= e;
                            // Local faults will hit the next blob too; stop cleanly instead.
                            if (d.code === 'DiskFull' || d.code === 'PermissionDenied') {
                                for (const rest of files.slice(i + 1)) outcomes.set(rest.blob, 'cancelled');
                                break;
                            }
                        }
                    }
                } finally {
                    cancelAll.dispose();
                }
            },
        );
    } finally {
        if (!tracker.shuttingDown) await pending.remove(ref.id, files.map((f) => f.blob));
    }
    if (tracker.shuttingDown) throw new UserCancelledError('shutdown');

    actx.telemetry.measurements.bytesFetched = results.reduce((a, r) => a + r.bytesFetched, 0);
    actx.telemetry.measurements.bytesResumed = results.reduce((a, r) => a + r.bytesResumed, 0);
    const outcomeList = [...outcomes.values()];
    if (outcomeList.every((o) => o === 'done')) {
        await finishSucceeded(services, ref, files, results);
        return results;
    }
    const stillRunning = tracker.anyRunning(ref.id);
    if (firstError !== undefined) {
        const d = describeFailure(firstError, { diskName: ref.name, folder });
        actx.telemetry.properties.failure = d.code;
        if (!stillRunning) await revokePerPolicy(services, ref, revokePolicy(Setting.RevokeOnCancel), vscode.l10n.t('The download of {0} failed. Revoke access now so the disk does not stay in the ActiveSAS state? The download can be resumed later with a new grant.', ref.name));
        actx.errorHandled = true;
        void services.ui.showErrorMessage(d.message);
        throw new Error(d.message);
    }
    if (!stillRunning) await revokePerPolicy(services, ref, revokePolicy(Setting.RevokeOnCancel), vscode.l10n.t('The download of {0} was cancelled. Revoke access now so the disk does not stay in the ActiveSAS state? The download can be resumed later with a new grant.', ref.name));
    void services.ui.showInformationMessage(vscode.l10n.t('Download of {0} cancelled. The partial file is kept: run Download again to resume.', ref.name));
    throw new UserCancelledError('download');
}

async function finishSucceeded(services: Services, ref: DiskRef, files: PlannedFile[], results: DownloadResult[]): Promise<void> {
    const checks = checksSummary(results.flatMap((r) => r.checks));
    const names = files.map((f) => f.fileName).join(', ');
    const reveal = vscode.l10n.t('Reveal in Explorer');
    void services.ui.showInformationMessage(vscode.l10n.t('Downloaded and verified {0} ({1}).', names, checks), reveal).then(
        (choice) => {
            if (choice === reveal) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(files[0].destPath));
        },
        () => undefined,
    );
    if (!trackerFor(services).anyRunning(ref.id)) {
        await revokePerPolicy(services, ref, revokePolicy(Setting.RevokeAfterDownload), vscode.l10n.t('{0} is downloaded. Revoke access now? While access is granted the disk stays in the ActiveSAS state and its VM cannot start.', ref.name));
    }
}

/** The grant to download with: the one in memory if it is a live Read grant, otherwise a new one. */
async function ensureReadGrant(services: Services, ref: DiskRef, resume: PendingDownload | undefined): Promise<Grant> {
    const existing = services.grants.get(ref.id);
    if (existing && !isExpired(existing) && existing.access === 'Read') return existing;
    if (existing && !isExpired(existing) && existing.access === 'Write') {
        throw new Error(vscode.l10n.t('{0} has write access granted (for an upload). Revoke it before downloading.', ref.name));
    }
    const preset: GrantPreset = resume
        ? { access: 'Read', fileFormat: resume.fileFormat, getSecureVMGuestStateSAS: resume.guestState, durationInSeconds: resume.durationInSeconds }
        : existing
          ? { ...presetOf(existing), access: 'Read' }
          : { access: 'Read' };
    // The pending record shows the outstanding SAS is the one this window granted before reloading.
    if (resume) await clearOrphanedSas(services, ref);
    const g = await freshGrant(services, ref, preset, undefined);
    if (!g) throw new UserCancelledError('grant');
    return g;
}

/**
 * A grant that is live and differs from `stale`. While the disk is still in ActiveSAS the grant
 * command hands back the grant this window holds; when that one is expired or refused, access is
 * revoked first so a new SAS can be issued.
 */
async function freshGrant(services: Services, ref: DiskRef, preset: GrantPreset, stale: { blob: BlobKind; url: string } | undefined): Promise<Grant | undefined> {
    const g = await requestGrant(ref, preset, true);
    if (!g) return undefined;
    const reused = stale !== undefined && g.urls[stale.blob] === stale.url;
    if (!isExpired(g) && !reused) return g;
    services.log.info(`The access to ${ref.name} held in this window no longer works: revoking it to grant again.`);
    await vscode.commands.executeCommand(Cmd.RevokeAccess, ref);
    const again = await requestGrant(ref, preset, true);
    return again && !isExpired(again) ? again : undefined;
}

/** On SAS expiry mid-download: ask (or not, per setting), then re-grant with the same parameters. */
async function renewGrant(services: Services, ref: DiskRef, current: Grant, blob: BlobKind, preset: GrantPreset): Promise<Grant> {
    const live = services.grants.get(ref.id);
    if (live && live !== current && !isExpired(live) && live.access === 'Read' && live.urls[blob] !== current.urls[blob]) return live;
    const mode = vscode.workspace.getConfiguration(Setting.Section).get<string>(Setting.OnSasExpired, 'ask');
    if (mode !== 'regrant') {
        const again = vscode.l10n.t('Grant again');
        const choice = await services.ui.showWarningMessage(
            vscode.l10n.t('The access to {0} expired during the download. Grant access again with the same settings and continue?', ref.name),
            { modal: true },
            again,
        );
        if (choice !== again) throw new TransferError('SasExpired', 'The access expired and was not renewed.');
    }
    const old = current.urls[blob];
    const g = await freshGrant(services, ref, preset, old ? { blob, url: old } : undefined);
    if (!g) throw new TransferError('SasExpired', 'The access expired and was not renewed.');
    return g;
}

async function sizeFromService(services: Services, ref: DiskRef): Promise<number | undefined> {
    try {
        return diskBlobSize(await services.disks.getDisk(ref));
    } catch {
        return undefined;
    }
}

function clampConcurrency(n: unknown): number {
    const v = typeof n === 'number' && Number.isFinite(n) ? Math.floor(n) : 16;
    return Math.min(64, Math.max(1, v));
}

function friendly(actx: ActionContext, e: unknown, ref: DiskRef, folder: string, services: Services): Error {
    const d = describeFailure(e, { diskName: ref.name, folder });
    actx.errorHandled = true;
    void services.ui.showErrorMessage(d.message);
    return new Error(d.message);
}
