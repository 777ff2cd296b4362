/** Asking core's Grant access command for a grant, and remembering enough (no secrets) to ask the same again. */
import * as vscode from 'vscode';
import { Cmd } from '../constants';
import type { DiskRef, Grant, GrantRequest } from '../azure/types';
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
