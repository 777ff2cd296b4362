/**
 * The Read grant a download runs on: the one in memory when it is live, otherwise a new one with
 * the same settings; and a fresh one when the SAS expires mid-download (asked first, per setting).
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { Setting } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { isExpired, presetOf, type GrantPreset } from '../../shared/grants';
import type { BlobKind, DiskRef, Grant } from '../../shared/types';
import { TransferError } from '../../transfer';
import type { PendingDownload } from './pending';

export async function ensureReadGrant(ctx: AppContext, actx: ActionContext, ref: DiskRef, resume: PendingDownload | undefined): Promise<Grant> {
    const existing = ctx.services.grants.get(ref.id);
    if (existing && !isExpired(existing) && existing.access === 'Read') return existing;
    if (existing && !isExpired(existing) && existing.access === 'Write') {
        throw new DiskError('WriteGrantActive', vscode.l10n.t('{0} has write access granted (for an upload). Revoke it before downloading.', ref.name));
    }
    const preset: GrantPreset = resume
        ? { access: 'Read', fileFormat: resume.fileFormat, getSecureVMGuestStateSAS: resume.guestState, durationInSeconds: resume.durationInSeconds }
        : existing
          ? { ...presetOf(existing), access: 'Read' }
          : { access: 'Read' };
    // The pending record shows the outstanding SAS is the one this window granted before reloading.
    if (resume) await ctx.actions.revokeOrphaned(actx, ref);
    return freshGrant(ctx, actx, ref, preset, undefined);
}

/**
 * A grant that is live and differs from `stale`. While the disk is still in ActiveSAS the grant
 * call hands back the grant this window holds; when that one is expired or refused, access is
 * revoked first so a new SAS can be issued.
 */
async function freshGrant(ctx: AppContext, actx: ActionContext, ref: DiskRef, preset: GrantPreset, stale: { blob: BlobKind; url: string } | undefined): Promise<Grant> {
    const g = await ctx.actions.grantAccess(actx, ref, { preset, silentPanel: true });
    const reused = stale !== undefined && g.urls[stale.blob] === stale.url;
    if (!isExpired(g) && !reused) return g;
    ctx.services.log.info(`The access to ${ref.name} held in this window no longer works: revoking it to grant again.`);
    await ctx.actions.revokeAccess(actx, ref);
    const again = await ctx.actions.grantAccess(actx, ref, { preset, silentPanel: true });
    if (isExpired(again)) throw new TransferError('SasExpired', 'The new access grant expired at once.');
    return again;
}

/** On SAS expiry mid-download: ask (or not, per setting), then re-grant with the same parameters. */
export async function renewGrant(ctx: AppContext, actx: ActionContext, ref: DiskRef, current: Grant, blob: BlobKind, preset: GrantPreset): Promise<Grant> {
    const live = ctx.services.grants.get(ref.id);
    if (live && live !== current && !isExpired(live) && live.access === 'Read' && live.urls[blob] !== current.urls[blob]) return live;
    const mode = vscode.workspace.getConfiguration(Setting.Section).get<string>(Setting.OnSasExpired, 'ask');
    if (mode !== 'regrant') {
        const again = vscode.l10n.t('Grant again');
        const choice = await ctx.services.ui.showWarningMessage(
            vscode.l10n.t('The access to {0} expired during the download. Grant access again with the same settings and continue?', ref.name),
            { modal: true },
            again,
        );
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
