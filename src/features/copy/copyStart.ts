/**
 * Copy to… by Azure itself: an incremental snapshot into an incremental snapshot in another region
 * (PUT snapshots/{name}, createOption CopyStart). No SAS on either side; progress is the new
 * snapshot's completionPercent, polled until 100.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { afterRecheck, noticeAbout } from '../../platform/notices';
import { withCancellableProgress } from '../../platform/progress';
import { markStepDone } from '../../platform/walkthrough';
import { Cmd } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import type { DiskInfo } from '../../shared/types';
import type { CopyTarget } from './target';

const POLL_MS = 2000;
const MAX_WAIT_MS = 24 * 3600_000;

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
}

export async function copyStart(ctx: AppContext, actx: ActionContext, source: DiskInfo, to: CopyTarget, pollMs = POLL_MS): Promise<DiskInfo> {
    const { services } = ctx;
    actx.telemetry.properties.mode = 'copyStart';
    let started: DiskInfo | undefined;
    let last = 0;
    const made = await withCancellableProgress(vscode.l10n.t('Azure is copying {0} to {1} in {2}', source.name, to.name, to.location), 'copyStart', async (signal, progress) => {
        let s = await services.disks.copySnapshotAcrossRegions(source, to.rg, { name: to.name, location: to.location }, signal);
        started = s;
        ctx.tree.refresh();
        const deadline = Date.now() + MAX_WAIT_MS;
        let reported = 0;
        for (;;) {
            const pct = s.completionPercent ?? 100;
            progress.report({ increment: Math.max(0, pct - reported), message: vscode.l10n.t('{0} % copied by Azure (CopyStart)', pct) });
            reported = Math.max(reported, pct);
            last = pct;
            if (pct >= 100) return s;
            if (Date.now() > deadline) throw new DiskError('TimedOut', vscode.l10n.t('Azure was still copying {0} after a day ({1} %).', to.name, pct), vscode.l10n.t('Refresh the view later; the snapshot is usable once it reaches 100 %.'));
            await sleep(pollMs, signal);
            if (signal.aborted) throw new DiskError('Cancelled', 'cancelled');
            s = await services.disks.getDisk(s, signal);
        }
    }).catch((e: unknown) => {
        ctx.tree.refresh();
        if (started) {
            // Azure goes on copying whether or not anyone watches: say so, and offer to delete it.
            const del = vscode.l10n.t('Delete Snapshot');
            const message = vscode.l10n.t('Stopped following the copy into {0} at {1} %; Azure goes on copying it. Delete the snapshot if it is not wanted.', to.name, last);
            services.log.warn(message);
            const ref = { tenantId: started.tenantId, subscriptionId: started.subscriptionId, resourceGroup: started.resourceGroup, name: started.name, kind: 'snapshot' as const, id: started.id };
            const notice = noticeAbout(ref, () => true);
            void services.ui.showWarningMessage(message, { modal: false }, del).then((c) => {
                if (c === del) void ctx.run(Cmd.DeleteDisk, afterRecheck(services, notice, (a) => ctx.actions.deleteDisk(a, ref)));
            }, () => undefined);
        }
        throw e;
    });
    ctx.tree.refresh();
    void markStepDone(services.context, 'copy');
    void services.ui.showInformationMessage(vscode.l10n.t('Azure copied {0} to {1} in {2} ({3}): an incremental snapshot, copied by Azure itself (CopyStart).', source.name, to.name, to.rg.name, to.location));
    return made;
}
