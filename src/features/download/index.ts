/** Download…: the command, the call the access panel makes, and resuming downloads after a reload. */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { AppContext, DownloadOptions, SnapshotDownloads } from '../../app/context';
import { nested } from '../../platform/actionContext';
import type { ActionContext, Register } from '../../platform/command';
import { Cmd, Setting } from '../../shared/constants';
import type { DiskInfo } from '../../shared/types';
import { downloadCommand } from './command';
import { downloadSubfolder } from './names';
import { offerPendingResumes } from './resume';
import { snapshotIndex } from './run';
import { contentMatches, settleDownloadedFile } from './snapshotRecords';

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
    snapshotDownloads: {
        record: (filePath: string, snapshot: DiskInfo) => settleDownloadedFile(snapshotIndex(ctx), filePath, snapshot, 'VHD'),
        list: () => snapshotIndex(ctx).list(downloadFolders()),
        intact: contentMatches,
    } satisfies SnapshotDownloads,
});

/** `<workspace folder>/<download.folder>` of each local workspace folder: where downloads go by default. */
function downloadFolders(): string[] {
    const sub = downloadSubfolder(vscode.workspace.getConfiguration(Setting.Section).get<string>(Setting.DownloadFolder, 'disks'));
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => path.join(f.uri.fsPath, ...sub));
}

export { offerPendingResumes };
