/** Grant Access… and Revoke Access: the commands, and the calls other features make through ctx.actions. */
import type * as vscode from 'vscode';
import type { AppContext, GrantOptions } from '../../app/context';
import type { ActionContext, Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { grantAccess } from './grantAccess';
import { revokeOrphaned } from './orphaned';
import { revokeAccess } from './revokeAccess';

export function registerGrant(ctx: AppContext, register: Register): vscode.Disposable[] {
    return [
        register(Cmd.GrantAccess, (actx, arg, options) => grantAccess(ctx, actx, arg, options as GrantOptions | undefined)),
        register(Cmd.RevokeAccess, (actx, arg) => revokeAccess(ctx, actx, arg)),
    ];
}

export const grantActions = (ctx: AppContext) => ({
    grantAccess: (actx: ActionContext, target: unknown, options?: GrantOptions) => grantAccess(ctx, actx, target, options),
    revokeAccess: (actx: ActionContext, target: unknown) => revokeAccess(ctx, actx, target),
    revokeOrphaned: (actx: ActionContext, ref: Parameters<typeof revokeOrphaned>[2], confirm?: () => Promise<boolean>) => revokeOrphaned(ctx, actx, ref, confirm),
});
