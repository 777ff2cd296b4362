/** Revoking after a download, or after a cancel or failure, per the user's settings. */
import * as vscode from 'vscode';
import { Cmd, Setting } from '../constants';
import type { DiskRef } from '../azure/types';
import type { Services } from '../services';

export type RevokePolicy = 'ask' | 'always' | 'never';

export function revokePolicy(key: Setting.RevokeAfterDownload | Setting.RevokeOnCancel): RevokePolicy {
    const v = vscode.workspace.getConfiguration(Setting.Section).get<string>(key, 'ask');
    return v === 'always' || v === 'never' ? v : 'ask';
}

/** Returns true when access was revoked. */
export async function revokePerPolicy(services: Services, ref: DiskRef, policy: RevokePolicy, question: string): Promise<boolean> {
    if (policy === 'never' || !services.grants.get(ref.id)) return false;
    if (policy === 'ask') {
        const revoke = vscode.l10n.t('Revoke access');
        const choice = await services.ui.showWarningMessage(question, { modal: true }, revoke, vscode.l10n.t('Keep access'));
        if (choice !== revoke) return false;
    }
    await vscode.commands.executeCommand(Cmd.RevokeAccess, ref);
    return !services.grants.get(ref.id);
}
