/** After a window reload: offer to resume downloads that were running, from their partial files. */
import * as vscode from 'vscode';
import { Cmd } from '../../shared/constants';
import type { AppContext } from '../../app/context';
import { discardPartial } from '../../transfer';
import { BLOB_LABELS } from '../../shared/types';
import type { PendingDownload } from './pending';
import { pendingStore, runDownload } from './run';

export function offerPendingResumes(ctx: AppContext): void {
    const store = pendingStore(ctx);
    for (const rec of store.all()) void offerOne(ctx, rec);
}

async function offerOne(ctx: AppContext, rec: PendingDownload): Promise<void> {
    const store = pendingStore(ctx);
    const name = rec.blobs.length === 1 ? `${rec.ref.name} (${BLOB_LABELS[rec.blobs[0]]})` : rec.ref.name;
    const resume = vscode.l10n.t('Resume');
    const discard = vscode.l10n.t('Discard');
    let choice: string | undefined;
    try {
        choice = await ctx.services.ui.showInformationMessage(vscode.l10n.t('Resume download of {0}? It stopped when the window closed; the partial files are kept.', name), resume, discard);
    } catch {
        return;
    }
    if (choice === resume) {
        // The record is replaced by the new run's own; Download re-grants silently with the same settings.
        await ctx.run(Cmd.Download, (actx) => runDownload(ctx, actx, rec.ref, undefined, { resume: rec }));
    } else if (choice === discard) {
        await store.remove(rec.ref.id);
        for (const b of rec.blobs) {
            const p = rec.paths[b];
            if (p) {
                try {
                    discardPartial(p);
                } catch (e) {
                    ctx.services.log.warn(`Could not delete the partial download of ${rec.ref.name}: ${e instanceof Error ? e.message : String(e)}`);
                }
            }
        }
    }
}
