/**
 * Premium SSD v2 and Ultra snapshots start in InstantAccess: they restore disks at once, but their
 * data cannot be downloaded or copied to another region until Azure makes them Available (or
 * AvailableWithInstantAccess). Said before granting, with the offer to wait for it.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../app/context';
import type { ActionContext } from '../platform/command';
import { withCancellableProgress } from '../platform/progress';
import { UserCancelledError } from '../shared/cancel';
import { awaitsSnapshotAccess } from '../shared/diskStates';
import { formatDuration } from '../shared/format';
import type { DiskInfo } from '../shared/types';
import { refOf } from './diskArg';

/** Polls start quick (a state that flips soon is seen soon) and settle at one GET every 15 s. */
const POLL_MS = [2000, 4000, 8000, 15000];

function pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(new UserCancelledError('snapshotAccess'));
        const t = setTimeout(() => {
            signal.removeEventListener('abort', stop);
            resolve();
        }, ms);
        const stop = () => {
            clearTimeout(t);
            reject(new UserCancelledError('snapshotAccess'));
        };
        signal.addEventListener('abort', stop, { once: true });
    });
}

/** The snapshot, exportable: as it is, or after waiting for Azure (asked first). Cancel or No ends the action quietly. */
export async function ensureSnapshotExportable(ctx: AppContext, actx: ActionContext, disk: DiskInfo): Promise<DiskInfo> {
    if (!awaitsSnapshotAccess(disk)) return disk;
    const { services } = ctx;
    actx.telemetry.properties.snapshotAccessState = disk.snapshotAccessState ?? '';
    const wait = vscode.l10n.t('Wait Until Available');
    const message = disk.snapshotAccessState === 'InstantAccess'
        ? vscode.l10n.t('{0} is in the InstantAccess state: it can restore disks, but its data cannot be downloaded or copied to another region until Azure makes it Available (minutes to hours, depending on its size). Wait for it?', disk.name)
        : vscode.l10n.t('{0} is in the {1} state: its data cannot be downloaded or copied to another region until Azure makes it Available. Wait for it?', disk.name, disk.snapshotAccessState ?? '');
    services.log.info(`${disk.name} is in snapshot access state ${disk.snapshotAccessState}: its data cannot be exported yet.`);
    const choice = await services.ui.showWarningMessage(message, { modal: true }, wait);
    if (choice !== wait) throw new UserCancelledError('snapshotAccess');

    const started = Date.now();
    const ready = await withCancellableProgress(vscode.l10n.t('Waiting until {0} is available…', disk.name), 'snapshotAccess', async (signal, progress) => {
        for (let i = 0; ; i++) {
            await pause(POLL_MS[Math.min(i, POLL_MS.length - 1)], signal);
            const now = await services.disks.getDisk(refOf(disk), signal);
            if (!awaitsSnapshotAccess(now)) return now;
            progress.report({ message: vscode.l10n.t('{0} for {1}', now.snapshotAccessState ?? '', formatDuration((Date.now() - started) / 1000)) });
        }
    });
    ctx.tree.updateDisk(ready);
    actx.telemetry.measurements.snapshotAccessWaitSeconds = Math.round((Date.now() - started) / 1000);
    services.log.info(`${disk.name} is now ${ready.snapshotAccessState ?? 'available'}, after ${formatDuration((Date.now() - started) / 1000)}.`);
    return ready;
}
