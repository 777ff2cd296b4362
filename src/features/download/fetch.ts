/**
 * Fetching the planned blobs one after another with the transfer engine, under one cancellable
 * progress notification; each blob's live state goes to the tracker (and so to the access panel).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { Setting } from '../../shared/constants';
import { formatDuration, formatRate, formatWrittenOf } from '../../shared/format';
import { presetOf } from '../../shared/grants';
import { BLOB_LABELS, type BlobKind, type DiskInfo, type DiskRef, type Grant } from '../../shared/types';
import { downloadBlob, TransferError, type DownloadResult, type TransferProgress } from '../../transfer';
import { describeFailure, type DescribedFailure } from './messages';
import type { PlannedFile } from './plan';
import { logBlobRun } from './runLog';

export type Outcome = 'done' | 'cancelled' | 'failed';

export interface Fetched {
    results: DownloadResult[];
    outcomes: Map<BlobKind, Outcome>;
    /** The first failure that was not a cancel. */
    firstError?: unknown;
    /** The first failure in plain words (with what is known of the disk). */
    firstFailure?: DescribedFailure;
}

export interface FetchOptions {
    resuming: Set<string>;
    resumed: boolean;
    /** Entra-ID-protected disks: the data-plane token, renewed as the download runs. */
    authorization?: () => Promise<string>;
    /** What is known of the disk, for plain words when the storage service refuses. */
    disk?: DiskInfo;
}

export async function fetchAll(ctx: AppContext, actx: ActionContext, ref: DiskRef, grant: Grant, files: PlannedFile[], o: FetchOptions): Promise<Fetched> {
    const { tracker } = ctx;
    const fetched: Fetched = { results: [], outcomes: new Map() };
    const concurrency = clampConcurrency(vscode.workspace.getConfiguration(Setting.Section).get<number>(Setting.DownloadConcurrency, 16));
    const folder = path.dirname(files[0].destPath);
    const run = { current: grant, preset: presetOf(grant) };
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', ref.name), cancellable: true }, async (progress, token) => {
        const cancelAll = token.onCancellationRequested(() => tracker.cancel(ref.id));
        const bar = progressBar(progress, files.length);
        try {
            for (const [i, f] of files.entries()) {
                if (token.isCancellationRequested) {
                    tracker.failed(ref.id, f.blob, 'Download cancelled before it started.', true);
                    fetched.outcomes.set(f.blob, 'cancelled');
                    continue;
                }
                const controller = new AbortController();
                const resuming = o.resuming.has(f.blob) || o.resumed;
                tracker.start(ref.id, f.blob, controller, f.fileName, resuming);
                const runLog = logBlobRun(ctx.services.log, `${ref.name} (${BLOB_LABELS[f.blob]})`, f.destPath, concurrency, resuming);
                try {
                    const result = await fetchOne(ctx, actx, ref, run, f, concurrency, controller.signal, o.authorization, (p) => {
                        runLog.progress(p);
                        tracker.progress(ref.id, f.blob, p);
                        bar(i, f.blob, p);
                    });
                    runLog.done(result);
                    fetched.results.push(result);
                    tracker.done(ref.id, f.blob, result.checks, f.fileName);
                    fetched.outcomes.set(f.blob, 'done');
                } catch (e) {
                    if (controller.signal.aborted || (e instanceof TransferError && e.code === 'Cancelled')) {
                        runLog.cancelled();
                        tracker.failed(ref.id, f.blob, 'Download cancelled. The partial file is kept: run Download again to resume.', true);
                        fetched.outcomes.set(f.blob, 'cancelled');
                        continue;
                    }
                    const d = describeFailure(e, { diskName: ref.name, folder, entra: !!o.authorization, networkAccessPolicy: o.disk?.networkAccessPolicy });
                    runLog.failed(d.code);
                    tracker.failed(ref.id, f.blob, d.message, false);
                    fetched.outcomes.set(f.blob, 'failed');
                    fetched.firstFailure ??= fetched.firstError === undefined ? d : undefined;
                    fetched.firstError ??= e;
                    // Local faults will hit the next blob too; stop cleanly instead.
                    if (d.code === 'DiskFull' || d.code === 'PermissionDenied') {
                        for (const rest of files.slice(i + 1)) fetched.outcomes.set(rest.blob, 'cancelled');
                        break;
                    }
                }
            }
        } finally {
            cancelAll.dispose();
        }
    });
    return fetched;
}

/** One blob through the engine; a result whose checks did not all pass is a VerificationFailed error. */
async function fetchOne(
    ctx: AppContext,
    actx: ActionContext,
    ref: DiskRef,
    run: { current: Grant; preset: ReturnType<typeof presetOf> },
    f: PlannedFile,
    concurrency: number,
    signal: AbortSignal,
    authorization: (() => Promise<string>) | undefined,
    onProgress: (p: TransferProgress) => void,
): Promise<DownloadResult> {
    const url = run.current.urls[f.blob];
    if (!url) throw new TransferError('SasExpired', 'The access grant has no URL for this blob any more.');
    const result = await downloadBlob({
        url,
        destPath: f.destPath,
        format: f.blob === 'disk' ? (run.current.fileFormat === 'VHDX' ? 'vhdx' : 'vhd') : 'auto',
        concurrency,
        signal,
        authorization,
        resumeKey: `${ref.id.toLowerCase()}#${f.blob}`,
        log: (m) => ctx.services.log.debug(`${ref.name}/${f.blob}: ${m}`),
        onProgress,
        refreshUrl: async () => {
            run.current = await ctx.actions.renewExpired(actx, ref, run.current, f.blob, run.preset, 'download');
            const next = run.current.urls[f.blob];
            if (!next) throw new TransferError('SasExpired', 'The new access grant has no URL for this blob.');
            return next;
        },
    });
    if (!result.checks.every((c) => c.passed)) {
        throw new TransferError('VerificationFailed', result.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail ?? 'failed'}`).join('; '));
    }
    return result;
}

/** The notification's bar: each blob an equal share, never moving backwards. */
function progressBar(progress: vscode.Progress<{ message?: string; increment?: number }>, count: number): (index: number, blob: BlobKind, p: TransferProgress) => void {
    let reported = 0;
    const share = 100 / count;
    return (i, blob, p) => {
        const frac = p.bytesPlanned > 0 ? Math.min(1, p.bytesDone / p.bytesPlanned) : 0;
        const target = i * share + frac * share;
        const eta = p.etaSeconds !== undefined ? ` · ${formatDuration(p.etaSeconds)} left` : '';
        progress.report({
            increment: Math.max(0, target - reported),
            message: `${BLOB_LABELS[blob]}: ${formatWrittenOf(p.bytesDone, p.bytesPlanned, p.totalSize)} · ${formatRate(p.bytesPerSecond)}${eta}`,
        });
        reported = Math.max(reported, target);
    };
}

function clampConcurrency(n: unknown): number {
    const v = typeof n === 'number' && Number.isFinite(n) ? Math.floor(n) : 16;
    return Math.min(64, Math.max(1, v));
}
