/**
 * What an update or a changes download runs on: Read grants on the two snapshots (revoked at the
 * end when this command made them, whatever happened), and the engine under one cancellable
 * progress notification whose state the access panel and Cancel share with downloads.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { authorizationFor } from '../../azure/diskToken';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { Cmd } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { formatRate, formatWrittenOf } from '../../shared/format';
import { isExpired, type GrantPreset } from '../../shared/grants';
import type { DiskInfo, DiskRef, Grant } from '../../shared/types';
import { TransferError, type UpdateProgress } from '../../transfer';
import { refOf } from '../../wizard/diskArg';
import { isFamilySasCap, refusalMessage, type Names } from './messages';

/** Four hours: an update fetches only what changed; a longer one is granted again as it runs. */
const PRESET: GrantPreset = { access: 'Read', durationInSeconds: 4 * 3600, fileFormat: 'VHD', getSecureVMGuestStateSAS: false };

export class PairGrants {
    /** Ids of the snapshots this command granted (to revoke at the end); a grant held before is left as it was. */
    private readonly mine = new Map<string, DiskRef>();

    constructor(private readonly ctx: AppContext, private readonly actx: ActionContext) {}

    async acquire(disk: DiskInfo, names: Names): Promise<Grant> {
        const held = this.ctx.services.grants.get(disk.id);
        if (held && !isExpired(held) && held.access === 'Read' && held.fileFormat === 'VHD' && held.urls.disk) return held;
        try {
            const g = await this.ctx.actions.renewAccess(this.actx, refOf(disk), PRESET);
            this.mine.set(disk.id.toLowerCase(), refOf(disk));
            return g;
        } catch (e) {
            if (isFamilySasCap(e, await this.activePeers(disk))) throw new DiskError('SnapshotSasLimit', refusalMessage('sasCap', names));
            throw e;
        }
    }

    /** Both snapshots' grants, the older first; 'sasCap' when the family's five-SAS limit refuses one. */
    async both(older: DiskInfo, newer: DiskInfo, names: Names): Promise<{ olderGrant: Grant; newerGrant: Grant } | 'sasCap'> {
        try {
            const olderGrant = await this.acquire(older, names);
            return { olderGrant, newerGrant: await this.acquire(newer, names) };
        } catch (e) {
            if (e instanceof DiskError && e.code === 'SnapshotSasLimit') return 'sasCap';
            throw e;
        }
    }

    /** A fresh SAS when one expires or is revoked mid-run (asked per the onSasExpired setting). */
    async renew(disk: DiskInfo, current: () => Grant, set: (g: Grant) => void): Promise<string> {
        const g = await this.ctx.actions.renewExpired(this.actx, refOf(disk), current(), 'disk', PRESET, 'update');
        this.mine.set(disk.id.toLowerCase(), refOf(disk));
        set(g);
        if (!g.urls.disk) throw new TransferError('SasExpired', 'The new access grant has no URL for the disk blob.');
        return g.urls.disk;
    }

    /** Revokes every grant this command made; a failure is said by revokeQuietly, never thrown. */
    async releaseAll(): Promise<void> {
        for (const ref of this.mine.values()) await this.ctx.actions.revokeQuietly(this.actx, ref);
        this.mine.clear();
    }

    /** Other snapshots of the disk's family in its resource group that have a SAS out (for telling the five-SAS limit from other 409s). */
    private async activePeers(disk: DiskInfo): Promise<number> {
        if (!disk.incrementalSnapshotFamilyId) return 0;
        try {
            let n = 0;
            for await (const s of this.ctx.services.disks.listDisks({ tenantId: disk.tenantId, subscriptionId: disk.subscriptionId, name: disk.resourceGroup, location: disk.location })) {
                if (s.kind === 'snapshot' && s.id.toLowerCase() !== disk.id.toLowerCase() && s.incrementalSnapshotFamilyId === disk.incrementalSnapshotFamilyId && /^ActiveSAS/.test(s.diskState ?? '')) n++;
            }
            return n;
        } catch {
            return 0;
        }
    }
}

export interface Pair {
    older: DiskInfo;
    newer: DiskInfo;
    olderGrant: Grant;
    newerGrant: Grant;
}

/** The engine's common options over a pair of grants: URLs, re-grants, the Entra token. */
export async function engineOptions(ctx: AppContext, grants: PairGrants, pair: Pair) {
    let older = pair.olderGrant, newer = pair.newerGrant;
    return {
        olderUrl: older.urls.disk!,
        newerUrl: newer.urls.disk!,
        refreshOlder: () => grants.renew(pair.older, () => older, (g) => (older = g)),
        refreshNewer: () => grants.renew(pair.newer, () => newer, (g) => (newer = g)),
        authorization: await authorizationFor(ctx.sessions, pair.newer),
        log: (m: string) => ctx.services.log.debug(`${pair.older.name} → ${pair.newer.name}: ${m}`),
    };
}

/**
 * Runs `work` under a cancellable notification, registered as the newer snapshot's disk blob in
 * the tracker (the access panel shows it; Cancel there or in the notification stops it).
 * Resolves undefined when cancelled.
 */
export async function runTracked<T extends { checks: { name: string; passed: boolean; detail?: string }[] }>(
    ctx: AppContext,
    newer: DiskInfo,
    title: string,
    fileName: string,
    resuming: boolean,
    work: (signal: AbortSignal, onProgress: (p: UpdateProgress) => void) => Promise<T>,
): Promise<T | undefined> {
    const { tracker } = ctx;
    if (tracker.isRunning(newer.id, 'disk')) throw new DiskError('Busy', vscode.l10n.t('{0} is already being downloaded or updated from in this window.', newer.name));
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        tracker.start(newer.id, 'disk', controller, fileName, resuming);
        let reported = 0;
        try {
            const result = await work(controller.signal, (p) => {
                tracker.progress(newer.id, 'disk', p);
                const pct = p.bytesPlanned > 0 ? Math.min(100, (100 * p.bytesDone) / p.bytesPlanned) : 0;
                progress.report({ increment: Math.max(0, pct - reported), message: `${formatWrittenOf(p.bytesDone, p.bytesPlanned, p.totalSize)} · ${formatRate(p.bytesPerSecond)}` });
                reported = Math.max(reported, pct);
            });
            tracker.done(newer.id, 'disk', result.checks, fileName);
            return result;
        } catch (e) {
            const cancelled = controller.signal.aborted || (e instanceof TransferError && e.code === 'Cancelled') || e instanceof UserCancelledError;
            tracker.failed(newer.id, 'disk', cancelled ? vscode.l10n.t('Cancelled: run the command again to resume.') : e instanceof Error ? e.message : String(e), cancelled);
            if (cancelled) return undefined;
            throw e;
        } finally {
            sub.dispose();
        }
    });
}

/** A refusal with the way out: the error toast offers a full download of the newer snapshot. */
export function refuseWithFullDownload(ctx: AppContext, actx: ActionContext, code: string, message: string, newer: DiskRef): never {
    const full = vscode.l10n.t('Download in Full');
    actx.errorHandled = true;
    ctx.services.log.warn(message);
    void ctx.services.ui.showErrorMessage(message, full).then((choice) => {
        if (choice === full) void ctx.run(Cmd.Download, (a) => ctx.actions.download(a, refOf(newer)));
    }, () => undefined);
    throw new DiskError(code, message);
}
