/**
 * Download Changes Only…: of a snapshot, only what changed since an older incremental snapshot of
 * the same disk: a sparse file of the newer snapshot's size holding the updated ranges at their
 * offsets, and beside it `<file>.changes.json` listing the updated and cleared ranges.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { hashId } from '../../platform/telemetryMask';
import { UserCancelledError } from '../../shared/cancel';
import { DiskError } from '../../shared/errors';
import { formatBytes } from '../../shared/format';
import type { DiskInfo } from '../../shared/types';
import { downloadChanges, type DownloadChangesResult } from '../../transfer';
import { resolveDiskInfo } from '../../wizard/diskArg';
import { diffRefusal, isGone, refusalMessage, type Names, type Refusal } from './messages';
import { olderOfFamily, resumeKey, straddles4TiB, timeLabel } from './plan';
import { engineOptions, PairGrants, refuseWithFullDownload, runTracked } from './session';
import { chooseChangesFile, pickOne } from './steps';

export async function downloadChangesCommand(ctx: AppContext, actx: ActionContext, target: unknown): Promise<DownloadChangesResult | undefined> {
    const { services } = ctx;
    const { disk: newer } = await resolveDiskInfo(services, target, {
        filter: (d) => d.kind === 'snapshot' && d.incremental === true,
        placeHolder: vscode.l10n.t('Select the snapshot whose changes to download'),
    });
    actx.telemetry.properties.diskIdHash = hashId(newer.id);
    actx.errorContext = { diskName: newer.name };
    const fail = (r: Refusal, names: Names): never => {
        actx.telemetry.properties.refusal = r;
        return refuseWithFullDownload(ctx, actx, `Refused:${r}`, refusalMessage(r, names), newer);
    };
    if (newer.kind !== 'snapshot' || !newer.incrementalSnapshotFamilyId) return fail('notIncremental', { newer: newer.name, older: '' });

    const peers: DiskInfo[] = [];
    for await (const d of services.disks.listDisks({ tenantId: newer.tenantId, subscriptionId: newer.subscriptionId, name: newer.resourceGroup, location: newer.location })) peers.push(d);
    const olderOnes = olderOfFamily(newer, peers);
    if (!olderOnes.length) {
        throw new DiskError('NoOlderSnapshot', vscode.l10n.t('{0} has no older incremental snapshot of the same disk in {1} to list the changes from.', newer.name, newer.resourceGroup));
    }
    const picked = await pickOne(
        services.ui,
        olderOnes.map((s) => ({ label: s.name, description: s.timeCreated ? timeLabel(s.timeCreated.toISOString()) : undefined, value: s })),
        vscode.l10n.t('The older snapshot of the same disk to list the changes of {0} from', newer.name),
    );
    const names: Names = { newer: newer.name, older: picked.name, olderBytes: picked.sizeBytes, newerBytes: newer.sizeBytes };
    // Before any call: Azure lists no changes across a resize over 4 TiB.
    if (picked.sizeBytes !== undefined && newer.sizeBytes !== undefined && straddles4TiB(picked.sizeBytes, newer.sizeBytes)) return fail('resize4TiB', names);
    let older: DiskInfo;
    try {
        older = await services.disks.getDisk(picked);
    } catch (e) {
        if (isGone(e)) return fail('olderGone', names);
        throw e;
    }
    const { destPath, resuming } = await chooseChangesFile(services.ui, newer.name, older.name);
    const file = path.basename(destPath);

    const grants = new PairGrants(ctx, actx);
    try {
        const pair = await grants.both(older, newer, names);
        if (pair === 'sasCap') return fail('sasCap', names);
        const opts = await engineOptions(ctx, grants, { older, newer, ...pair });
        let result: DownloadChangesResult | undefined;
        try {
            result = await runTracked(ctx, newer, vscode.l10n.t('Downloading the changes of {0} since {1}', newer.name, older.name), file, resuming, (signal, onProgress) =>
                downloadChanges({ destPath, ...opts, resumeKey: resumeKey(older.id, newer.id), signal, onProgress }),
            );
        } catch (e) {
            const r = diffRefusal(e);
            if (r) return fail(r, names);
            throw e;
        }
        if (!result) {
            void services.ui.showInformationMessage(vscode.l10n.t('The download of the changes of {0} was cancelled; run Download Changes Only again to resume.', newer.name));
            throw new UserCancelledError('changes');
        }
        actx.telemetry.measurements.bytesFetched = result.bytesFetched;
        actx.telemetry.measurements.rangesUpdated = result.rangesUpdated;
        actx.telemetry.measurements.rangesCleared = result.rangesCleared;
        void services.ui.showInformationMessage(vscode.l10n.t('Saved the changes of {0} since {1}: {2} in {3} changed ranges and {4} cleared, in {5} (the ranges are listed in {6}).',
            newer.name, older.name, formatBytes(result.bytesFetched), result.rangesUpdated, result.rangesCleared, file, path.basename(result.listPath)));
        return result;
    } finally {
        await grants.releaseAll();
    }
}
