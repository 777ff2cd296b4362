/** How a download run ends: the toast, the revoke offer per setting, and the error that carries its code. */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { Setting } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import type { DiskRef } from '../../shared/types';
import type { DownloadResult } from '../../transfer';
import type { Fetched } from './fetch';
import { checksSummary } from '../../shared/checks';
import { formatBytes } from '../../shared/format';
import { describeFailure } from './messages';
import type { PlannedFile } from './plan';
import { revokePerPolicy, revokePolicy } from './revokePolicy';
import { markStepDone } from '../../platform/walkthrough';

export async function finish(ctx: AppContext, actx: ActionContext, ref: DiskRef, files: PlannedFile[], folder: string, fetched: Fetched): Promise<DownloadResult[]> {
    const { results, outcomes, firstError } = fetched;
    actx.telemetry.measurements.bytesFetched = results.reduce((a, r) => a + r.bytesFetched, 0);
    actx.telemetry.measurements.bytesResumed = results.reduce((a, r) => a + r.bytesResumed, 0);
    // Another run of the same disk (another blob) may still be going: its own end offers the revoke.
    const othersRunning = ctx.tracker.anyRunning(ref.id);
    if ([...outcomes.values()].every((o) => o === 'done')) {
        showSucceeded(ctx, files, results);
        void markStepDone(ctx.services.context, 'download');
        if (!othersRunning) {
            await revokePerPolicy(ctx, actx, ref, revokePolicy(Setting.RevokeAfterDownload), revokeQuestion(ref, 'done'));
        }
        return results;
    }
    if (firstError !== undefined) {
        const d = fetched.firstFailure ?? describeFailure(firstError, { diskName: ref.name, folder });
        actx.telemetry.properties.failure = d.code;
        if (!othersRunning) await revokePerPolicy(ctx, actx, ref, revokePolicy(Setting.RevokeOnCancel), revokeQuestion(ref, 'failed'));
        // The wrapper shows the message and records the code (DiskFull, SasExpired, …) in telemetry.
        throw new DiskError(d.code, d.message);
    }
    if (!othersRunning) await revokePerPolicy(ctx, actx, ref, revokePolicy(Setting.RevokeOnCancel), revokeQuestion(ref, 'cancelled'));
    // Closed when the disk's next download starts (the resume supersedes it), or after a while.
    ctx.services.ui.showNotice(vscode.l10n.t('Download of {0} cancelled. The partial file is kept: run Download again to resume.', ref.name), nextStartOf(ctx, ref, CANCELLED_NOTICE_MS));
    throw new UserCancelledError('download');
}

const CANCELLED_NOTICE_MS = 30_000;

function nextStartOf(ctx: AppContext, ref: DiskRef, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(done, maxMs);
        const sub = ctx.tracker.onEvent((diskId, m) => {
            if (m.type === 'downloadStarted' && diskId.toLowerCase() === ref.id.toLowerCase()) done();
        });
        function done(): void {
            clearTimeout(timer);
            sub.dispose();
            resolve();
        }
    });
}

/** The revoke question, in words that fit the resource: a snapshot has no VM to keep from starting. */
export function revokeQuestion(ref: DiskRef, end: 'done' | 'failed' | 'cancelled'): string {
    const snapshot = ref.kind === 'snapshot';
    const first =
        end === 'done'
            ? vscode.l10n.t('{0} is downloaded. Revoke access now?', ref.name)
            : end === 'failed'
              ? vscode.l10n.t('The download of {0} failed. Revoke access now?', ref.name)
              : vscode.l10n.t('The download of {0} was cancelled. Revoke access now?', ref.name);
    const why = ref.kind === 'diskRestorePoint'
        ? vscode.l10n.t('While access is granted anyone with the SAS URI can read the disk restore point, until the access expires.')
        : snapshot
        ? vscode.l10n.t('While access is granted anyone with the SAS URI can read the snapshot, until the access expires.')
        : vscode.l10n.t('While access is granted the disk stays in the ActiveSAS state: it cannot be attached, and a VM using it cannot start.');
    const resume = end === 'done' ? '' : ' ' + vscode.l10n.t('The download can be resumed later with a new grant.');
    return `${first} ${why}${resume}`;
}

function showSucceeded(ctx: AppContext, files: PlannedFile[], results: DownloadResult[]): void {
    const checks = checksSummary(results.flatMap((r) => r.checks));
    const names = files.map((f) => f.fileName).join(', ');
    const disk = results.find((r) => r.path === files.find((f) => f.blob === 'disk')?.destPath) ?? results[0];
    const size = disk ? `${vscode.l10n.t('{0} written of {1}', formatBytes(disk.bytesWritten), formatBytes(disk.totalSize))}; ` : '';
    const reveal = vscode.l10n.t('Reveal in Explorer');
    void ctx.services.ui.showInformationMessage(vscode.l10n.t('Downloaded and verified {0} ({1}checks: {2}).', names, size, checks), reveal).then(
        (choice) => {
            if (choice === reveal) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(files[0].destPath));
        },
        () => undefined,
    );
}
