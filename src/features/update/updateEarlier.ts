/**
 * Update Earlier Download…: brings a file downloaded from an older incremental snapshot up to date
 * with a newer one of the same disk, fetching only what changed. On a disk row an incremental
 * snapshot is made first (the VM keeps running) and offered for deletion after. A file left
 * between two snapshots by a stopped run is resumed by running the command again.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { afterRecheck, noticeAbout } from '../../platform/notices';
import { hashId } from '../../platform/telemetryMask';
import { UserCancelledError } from '../../shared/cancel';
import { Cmd } from '../../shared/constants';
import { hasActiveSas } from '../../shared/diskStates';
import { DiskError } from '../../shared/errors';
import { checksSummary } from '../../shared/checks';
import { formatBytes } from '../../shared/format';
import type { DiskInfo } from '../../shared/types';
import { updateInPlace, type UpdateResult } from '../../transfer';
import { refOf, resolveDiskInfo } from '../../wizard/diskArg';
import { betweenElsewhere, diffRefusal, isGone, nothingToUpdate, refusalMessage, type Names, type Refusal } from './messages';
import { candidatesFor, clearUntouchedJournal, FOOTER, nameOfId, resumeKey, snapshotNameFor, snapshotRefOf, straddles4TiB, timeLabel, type Candidate } from './plan';
import { engineOptions, PairGrants, refuseWithFullDownload, runTracked } from './session';
import { pickOne } from './steps';

export async function updateEarlierDownload(ctx: AppContext, actx: ActionContext, target: unknown): Promise<UpdateResult | undefined> {
    const { disk: picked } = await resolveDiskInfo(ctx.services, target, {
        filter: (d) => d.kind === 'disk' || (d.kind === 'snapshot' && d.incremental === true),
        placeHolder: vscode.l10n.t('Select the snapshot (or disk) to update an earlier download to'),
    });
    actx.telemetry.properties.kind = picked.kind;
    actx.telemetry.properties.diskIdHash = hashId(picked.id);
    actx.errorContext = { diskName: picked.name };
    if (picked.kind !== 'disk') return updateTo(ctx, actx, picked);

    // A new snapshot is worth making only when some download could be updated from it.
    if (!(await ctx.actions.snapshotDownloads.list()).length) {
        throw new DiskError('NothingToUpdate', nothingToUpdate(picked.name, { otherFamilies: 0, current: [], later: 0 }));
    }
    const made = await ctx.actions.makeSnapshot(actx, picked, { name: snapshotNameFor(picked.name), incremental: true });
    actx.telemetry.properties.snapshotMade = 'true';
    let updated = false;
    try {
        const result = await updateTo(ctx, actx, made);
        updated = result !== undefined;
        return result;
    } finally {
        offerDelete(ctx, picked, made, updated);
    }
}

async function updateTo(ctx: AppContext, actx: ActionContext, newer: DiskInfo): Promise<UpdateResult | undefined> {
    const { services } = ctx;
    const fail = (r: Refusal, names: Names): never => {
        actx.telemetry.properties.refusal = r;
        return refuseWithFullDownload(ctx, actx, `Refused:${r}`, refusalMessage(r, names), newer);
    };
    if (!newer.incrementalSnapshotFamilyId) return fail('notIncremental', { newer: newer.name, older: '' });

    const c = candidatesFor({ id: newer.id, familyId: newer.incrementalSnapshotFamilyId, time: newer.timeCreated }, await ctx.actions.snapshotDownloads.list());
    actx.telemetry.measurements.candidates = c.offered.length;
    if (!c.offered.length) {
        const message = nothingToUpdate(newer.name, { otherFamilies: c.otherFamilies.length, current: c.current.map((d) => path.basename(d.filePath)), later: c.later.length });
        actx.telemetry.properties.refusal = c.otherFamilies.length ? 'otherFamily' : 'nothingToUpdate';
        return refuseWithFullDownload(ctx, actx, c.otherFamilies.length ? 'Refused:otherFamily' : 'NothingToUpdate', message, newer);
    }
    const chosen = await pickOne(services.ui, c.offered.map((x) => ({ ...itemOf(x, newer), value: x })), vscode.l10n.t('The earlier download to bring up to date with {0}', newer.name));
    const d = chosen.download;
    const file = path.basename(d.filePath);
    const olderName = nameOfId(d.record.snapshotId);
    if (chosen.kind === 'elsewhere') {
        throw new DiskError('BetweenSnapshots', betweenElsewhere(file, olderName, chosen.toward ? nameOfId(chosen.toward) : undefined));
    }
    const resuming = chosen.kind === 'resume';
    actx.telemetry.properties.resumed = String(resuming);
    const names: Names = { newer: newer.name, older: olderName, file, olderBytes: d.record.size - FOOTER, newerBytes: newer.sizeBytes };
    // Before any call: Azure lists no changes across a resize over 4 TiB.
    if (newer.sizeBytes !== undefined && straddles4TiB(d.record.size - FOOTER, newer.sizeBytes)) return fail('resize4TiB', names);
    // The file's past is trusted only while it is what was downloaded; an unfinished update has its journal instead.
    if (!resuming && !(await ctx.actions.snapshotDownloads.intact(d.filePath, d.record))) return fail('fileChanged', names);

    const olderRef = snapshotRefOf(d.record.snapshotId, newer.tenantId);
    if (!olderRef) return fail('olderGone', names);
    let older: DiskInfo;
    try {
        older = await services.disks.getDisk(olderRef);
    } catch (e) {
        if (isGone(e)) return fail('olderGone', names);
        throw e;
    }
    if (older.incrementalSnapshotFamilyId && older.incrementalSnapshotFamilyId !== newer.incrementalSnapshotFamilyId) return fail('otherFamily', names);

    const grants = new PairGrants(ctx, actx);
    try {
        const pair = await grants.both(older, newer, names);
        if (pair === 'sasCap') return fail('sasCap', names);
        const opts = await engineOptions(ctx, grants, { older, newer, ...pair });
        services.log.info(`${resuming ? 'Resuming the update' : 'Updating'} of ${d.filePath} from ${older.name} to ${newer.name}.`);
        let result: UpdateResult | undefined;
        try {
            result = await runTracked(ctx, newer, vscode.l10n.t('Updating {0} to {1}', file, newer.name), file, resuming, (signal, onProgress) =>
                updateInPlace({ filePath: d.filePath, ...opts, resumeKey: resumeKey(older.id, newer.id), signal, onProgress }),
            );
        } catch (e) {
            const r = diffRefusal(e);
            if (r) {
                // Refused before a byte changed: the file still holds the older snapshot whole.
                if (!resuming) clearUntouchedJournal(d.filePath, d.record.size);
                return fail(r, names);
            }
            throw new DiskError(typeof (e as { code?: unknown })?.code === 'string' ? String((e as { code: string }).code) : 'UpdateFailed',
                vscode.l10n.t('The update of {0} to {1} stopped: {2} The file is between {3} and {1}: run Update Earlier Download on {1} again to resume.', file, newer.name, e instanceof Error ? e.message : String(e), older.name));
        }
        if (!result) {
            void services.ui.showInformationMessage(vscode.l10n.t('The update of {0} was cancelled: the file is between {1} and {2} now, and matches neither. Run Update Earlier Download on {2} again to resume.', file, older.name, newer.name));
            throw new UserCancelledError('update');
        }
        await ctx.actions.snapshotDownloads.record(d.filePath, newer);
        actx.telemetry.measurements.bytesFetched = result.bytesFetched;
        actx.telemetry.measurements.bytesCleared = result.bytesCleared;
        actx.telemetry.measurements.bytesResumed = result.bytesResumed;
        services.log.info(`Updated ${d.filePath} to ${newer.name}: ${result.bytesFetched} bytes fetched, ${result.bytesCleared} cleared, ${result.bytesResumed} done before. ${result.notes.join(' ')}`);
        void services.ui.showInformationMessage(vscode.l10n.t('Updated {0} to {1}: fetched {2} and cleared {3} that changed, of {4} (checks: {5}).', file, newer.name, formatBytes(result.bytesFetched), formatBytes(result.bytesCleared), formatBytes(result.totalSize), checksSummary(result.checks)));
        return result;
    } finally {
        // Whatever happened: no SAS this command granted is left behind.
        await grants.releaseAll();
    }
}

function itemOf(c: Candidate, newer: DiskInfo): vscode.QuickPickItem {
    const d = c.download;
    const older = nameOfId(d.record.snapshotId);
    const description = c.kind === 'update'
        ? vscode.l10n.t('holds {0} ({1})', older, timeLabel(d.record.snapshotTime))
        : c.kind === 'resume'
          ? vscode.l10n.t('between {0} and {1}: the update resumes', older, newer.name)
          : vscode.l10n.t('between {0} and {1}: that update is unfinished', older, c.toward ? nameOfId(c.toward) : '?');
    return { label: path.basename(d.filePath), description, detail: path.dirname(d.filePath) };
}

function offerDelete(ctx: AppContext, disk: DiskInfo, snapshot: DiskInfo, updated: boolean): void {
    const del = vscode.l10n.t('Delete Snapshot');
    const keep = vscode.l10n.t('Keep');
    const message = updated
        ? vscode.l10n.t('The download was updated from snapshot {0} of {1}. The file now holds it: keep it to update the file from a later snapshot next time, or delete it now?', snapshot.name, disk.name)
        : vscode.l10n.t('The update from snapshot {0} of {1} did not finish. Snapshot {0} is kept so it can be resumed; delete it now?', snapshot.name, disk.name);
    // Clicked maybe much later: Delete checks first that nobody reads the snapshot now (platform/notices.ts).
    const notice = noticeAbout(refOf(snapshot), (d) => !hasActiveSas(d));
    void ctx.services.ui.showInformationMessage(message, del, keep).then(
        (choice) => {
            if (choice === del) void ctx.run(Cmd.DeleteDisk, afterRecheck(ctx.services, notice, (a) => ctx.actions.deleteDisk(a, refOf(snapshot))));
        },
        () => undefined,
    );
}
