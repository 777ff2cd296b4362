/**
 * Fresh grants: a new SAS with the same settings when the one a transfer runs on expired or was
 * revoked, for download and copy alike (upload re-grants Write without asking: a Write grant is
 * the upload's own).
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { Setting } from '../../shared/constants';
import { isExpired, type GrantPreset } from '../../shared/grants';
import type { BlobKind, DiskRef, Grant } from '../../shared/types';
import { TransferError } from '../../transfer';

/**
 * A grant that is live and differs from `stale`. While the disk is still in ActiveSAS the grant
 * call hands back the grant this window holds; when that one is expired or refused, access is
 * revoked first so a new SAS can be issued.
 */
export async function freshGrant(ctx: AppContext, actx: ActionContext, ref: DiskRef, preset: GrantPreset, stale: { blob: BlobKind; url: string } | undefined): Promise<Grant> {
    const g = await ctx.actions.grantAccess(actx, ref, { preset, silentPanel: true });
    const reused = stale !== undefined && g.urls[stale.blob] === stale.url;
    if (!isExpired(g) && !reused) return g;
    ctx.services.log.info(`The access to ${ref.name} held in this window no longer works: revoking it to grant again.`);
    await ctx.actions.revokeAccess(actx, ref);
    const again = await ctx.actions.grantAccess(actx, ref, { preset, silentPanel: true });
    if (isExpired(again)) throw new TransferError('SasExpired', 'The new access grant expired at once.');
    return again;
}

/**
 * On SAS expiry mid-transfer: ask (or not, per the onSasExpired setting), then re-grant with the
 * same parameters. `during` names the transfer in the question.
 */
export async function renewGrant(ctx: AppContext, actx: ActionContext, ref: DiskRef, current: Grant, blob: BlobKind, preset: GrantPreset, during: 'download' | 'copy' | 'browse' | 'update'): Promise<Grant> {
    const live = ctx.services.grants.get(ref.id);
    if (live && live !== current && !isExpired(live) && live.access === 'Read' && live.urls[blob] !== current.urls[blob]) return live;
    const mode = vscode.workspace.getConfiguration(Setting.Section).get<string>(Setting.OnSasExpired, 'ask');
    if (mode !== 'regrant') {
        const again = vscode.l10n.t('Grant again');
        const question = during === 'copy'
            ? vscode.l10n.t('The access to {0} expired during the copy. Grant access again with the same settings and continue?', ref.name)
            : during === 'browse'
              ? vscode.l10n.t('The access to {0} expired while its contents were open. Grant access again with the same settings and go on reading?', ref.name)
              : during === 'update'
                ? vscode.l10n.t('The access to {0} expired while an earlier download was being brought up to date. Grant access again with the same settings and continue?', ref.name)
                : vscode.l10n.t('The access to {0} expired during the download. Grant access again with the same settings and continue?', ref.name);
        const choice = await ctx.services.ui.showWarningMessage(question, { modal: true }, again);
        if (choice !== again) throw new TransferError('SasExpired', 'The access expired and was not renewed.');
    }
    const old = current.urls[blob];
    try {
        return await freshGrant(ctx, actx, ref, preset, old ? { blob, url: old } : undefined);
    } catch (e) {
        // Escape in the grant prompts: the download stops as it would on a declined renewal.
        if (e instanceof UserCancelledError) throw new TransferError('SasExpired', 'The access expired and was not renewed.');
        throw e;
    }
}
