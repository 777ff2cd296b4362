/**
 * The end of a transfer's grant, whatever happened: revoke when the disk still has a SAS out
 * (ActiveSAS, ActiveSASFrozen, ActiveUpload) or this window holds one. A failure to revoke is
 * said (log and warning, with what to do), never thrown over the transfer's own outcome.
 */
import * as vscode from 'vscode';
import type { AppContext, RevokeOptions } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { hasActiveSas } from '../../shared/diskStates';
import type { DiskRef } from '../../shared/types';
import { revokeAccess } from './revokeAccess';

export async function revokeQuietly(ctx: AppContext, actx: ActionContext, ref: DiskRef, options?: RevokeOptions): Promise<void> {
    try {
        const now = await ctx.services.disks.getDisk(ref);
        if (hasActiveSas(now) || ctx.services.grants.get(ref.id)) await revokeAccess(ctx, actx, ref, options);
    } catch (e) {
        if (e instanceof UserCancelledError) return;
        const message = vscode.l10n.t('Could not revoke access to {0}: {1} Run Revoke Access on it.', ref.name, e instanceof Error ? e.message : String(e));
        ctx.services.log.warn(message);
        void ctx.services.ui.showWarningMessage(message, { modal: false });
    }
}
