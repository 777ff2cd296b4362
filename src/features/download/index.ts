/** Download…: the command, the call the access panel makes, and resuming downloads after a reload. */
import * as vscode from 'vscode';
import type { AppContext, DownloadOptions } from '../../app/context';
import { nested } from '../../platform/actionContext';
import type { ActionContext, Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { downloadCommand } from './command';
import { offerPendingResumes } from './resume';

export function registerDownload(ctx: AppContext, register: Register): vscode.Disposable[] {
    offerPendingResumes(ctx);
    return [
        register(Cmd.Download, (actx, arg, options) => downloadCommand(ctx, actx, arg, options)),
        // At shutdown downloads stop; their partial files and resume records stay.
        new vscode.Disposable(() => ctx.tracker.shutdown()),
    ];
}

export const downloadActions = (ctx: AppContext) => ({
    download: (actx: ActionContext, target: unknown, options?: DownloadOptions) => nested(actx, 'download', (c) => downloadCommand(ctx, c, target, options)),
});

export { offerPendingResumes };
