/** Revoking after a download, or after a cancel or failure, per the user's settings. */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { Setting } from '../../shared/constants';
import type { DiskRef } from '../../shared/types';

export type RevokePolicy = 'ask' | 'always' | 'never';

export function revokePolicy(key: Setting.RevokeAfterDownload | Setting.RevokeOnCancel): RevokePolicy {
    const v = vscode.workspace.getConfiguration(Setting.Section).get<string>(key, 'ask');
    return v === 'always' || v === 'never' ? v : 'ask';
}

/** Returns true when access was revoked. */
export async function revokePerPolicy(ctx: AppContext, actx: ActionContext, ref: DiskRef, policy: RevokePolicy, question: string): Promise<boolean> {
    if (policy === 'never' || !ctx.services.grants.get(ref.id)) return false;
    if (policy === 'ask') {
        // One button: the modal's own Cancel (and Escape) keeps the access.
        const revoke = vscode.l10n.t('Revoke access');
        const choice = await ctx.services.ui.showWarningMessage(question, { modal: true }, revoke);
        if (choice !== revoke) return false;
    }
    await ctx.actions.revokeAccess(actx, ref);
    return !ctx.services.grants.get(ref.id);
}
