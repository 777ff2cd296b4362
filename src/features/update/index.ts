/** Update Earlier Download… and Download Changes Only…: a snapshot's changes since an older one of the same disk. */
import type * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { downloadChangesCommand } from './changes';
import { updateEarlierDownload } from './updateEarlier';

export function registerUpdate(ctx: AppContext, register: Register): vscode.Disposable[] {
    return [
        register(Cmd.UpdateEarlierDownload, (actx, arg) => updateEarlierDownload(ctx, actx, arg)),
        register(Cmd.DownloadChanges, (actx, arg) => downloadChangesCommand(ctx, actx, arg)),
    ];
}
