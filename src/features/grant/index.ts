/** Grant Access… and Revoke Access: the commands, and the calls other features make through ctx.actions. */
import type * as vscode from 'vscode';
import type { AppContext, GrantOptions, RevokeOptions } from '../../app/context';
import { nested } from '../../platform/actionContext';
import type { ActionContext, Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import type { GrantPreset } from '../../shared/grants';
import type { BlobKind, DiskRef, Grant } from '../../shared/types';
import { grantAccess } from './grantAccess';
import { revokeOrphaned } from './orphaned';
import { renewGrant, freshGrant } from './renew';
import { revokeAccess } from './revokeAccess';
import { revokeQuietly } from './revokeQuietly';

export function registerGrant(ctx: AppContext, register: Register): vscode.Disposable[] {
    return [
        register(Cmd.GrantAccess, (actx, arg, options) => grantAccess(ctx, actx, arg, options as GrantOptions | undefined)),
        register(Cmd.RevokeAccess, (actx, arg) => revokeAccess(ctx, actx, arg)),
    ];
}

export const grantActions = (ctx: AppContext) => ({
    // Called from inside another action: each runs under a child context, recorded as its own event.
    grantAccess: (actx: ActionContext, target: unknown, options?: GrantOptions) => nested(actx, 'grantAccess', (c) => grantAccess(ctx, c, target, options)),
    revokeAccess: (actx: ActionContext, target: unknown, options?: RevokeOptions) => nested(actx, 'revokeAccess', (c) => revokeAccess(ctx, c, target, options)),
    revokeOrphaned: (actx: ActionContext, ref: DiskRef, confirm?: () => Promise<boolean>) => nested(actx, 'revokeAccess', (c) => revokeOrphaned(ctx, c, ref, confirm)),
    revokeQuietly: (actx: ActionContext, ref: DiskRef, options?: RevokeOptions) => nested(actx, 'revokeAccess', (c) => revokeQuietly(ctx, c, ref, options)),
    renewAccess: (actx: ActionContext, ref: DiskRef, preset: GrantPreset) => nested(actx, 'grantAccess', (c) => freshGrant(ctx, c, ref, preset, undefined)),
    renewExpired: (actx: ActionContext, ref: DiskRef, current: Grant, blob: BlobKind, preset: GrantPreset, during: 'download' | 'copy' | 'browse' | 'update') =>
        nested(actx, 'grantAccess', (c) => renewGrant(ctx, c, ref, current, blob, preset, during)),
});
