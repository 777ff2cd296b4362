/** Sign In, Sign Out, Switch Account, Select Subscriptions…, Refresh, Show Log, Open Settings, and the tree's Retry. */
import type * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { openSettings, refresh, retryLoad, selectSubscriptions, showLog } from './commands';
import { signIn, signOut, switchAccount } from './signInOut';

export function registerAccount(ctx: AppContext, register: Register): vscode.Disposable[] {
    return [
        register(Cmd.Refresh, (actx, node) => refresh(ctx, actx, node)),
        register(Cmd.SelectSubscriptions, (actx) => selectSubscriptions(ctx, actx)),
        register(Cmd.SignIn, (actx) => signIn(ctx, actx)),
        register(Cmd.SignOut, (actx) => signOut(ctx, actx)),
        register(Cmd.SwitchAccount, (actx) => switchAccount(ctx, actx)),
        register(Cmd.ShowLog, () => showLog(ctx)),
        register(Cmd.OpenSettings, () => openSettings()),
        register(Cmd.RetryLoad, (actx, node) => retryLoad(ctx, actx, node)),
    ];
}
