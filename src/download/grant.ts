/** Asking core's Grant access command for a grant, and remembering enough (no secrets) to ask the same again. */
import * as vscode from 'vscode';
import { Cmd } from '../constants';
import type { DiskRef, Grant, GrantRequest } from '../azure/types';
import type { Services } from '../services';
import { grantDurationSeconds } from './plan';

/** The non-secret shape of a grant, enough to request an identical one. */
export type GrantPreset = Partial<GrantRequest>;

export function presetOf(g: Grant): GrantPreset {
    return {
        access: g.access,
        durationInSeconds: grantDurationSeconds(g),
        fileFormat: g.fileFormat,
        getSecureVMGuestStateSAS: g.urls.vmgs !== undefined || g.urls.vmmd !== undefined,
    };
}

/** Resolves to the new grant, or undefined when the user cancelled the grant prompts. */
export async function requestGrant(ref: DiskRef, preset: GrantPreset | undefined, silentPanel: boolean): Promise<Grant | undefined> {
    const g = await vscode.commands.executeCommand<Grant | undefined>(Cmd.GrantAccess, ref, { preset, silentPanel });
    return g && typeof g === 'object' && g.urls ? g : undefined;
}

export function isExpired(g: Grant, now = Date.now()): boolean {
    return g.expiresAt.getTime() <= now;
}

const ACTIVE_SAS = new Set(['ActiveSAS', 'ActiveSASFrozen']);

/**
 * After a window reload the SAS this window granted is still outstanding, but its URLs are gone
 * (they live in memory only), and a disk in ActiveSAS cannot be granted again. When the caller
 * knows the earlier grant was ours (a pending download, a restored panel), revoke it first.
 * `confirm` is asked only when the disk really is in ActiveSAS; resolves false when declined.
 */
export async function clearOrphanedSas(services: Services, ref: DiskRef, confirm?: () => Promise<boolean>): Promise<boolean> {
    if (services.grants.get(ref.id)) return true;
    let state: string | undefined;
    try {
        state = (await services.disks.getDisk(ref)).diskState;
    } catch {
        return true; // let the grant report what is wrong
    }
    if (!state || !ACTIVE_SAS.has(state)) return true;
    if (confirm && !(await confirm())) return false;
    services.log.info(`Revoking the access to ${ref.name} granted before the window reloaded, to grant it again.`);
    const revoked = await vscode.commands.executeCommand<boolean | undefined>(Cmd.RevokeAccess, ref);
    if (revoked !== true) throw new Error(vscode.l10n.t("Could not revoke the earlier access to {0}, so it cannot be granted again. Revoke it from the disk's context menu and try again.", ref.name));
    return true;
}
