/**
 * Browse Contents: a disk, snapshot, disk restore point or local image opened read-only as a
 * workspace folder (`azure-disk:`), Save to Workspace… of what is in it, and Close Disk. How a
 * device and its volumes are opened comes in as `deps` (src/disk/device, src/disk/volumes).
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { browseContents, closeDiskContents, openDiskImage } from './open';
import { DiskFileSystemProvider } from './provider';
import { saveToWorkspace } from './save';
import { BrowseSessions, type BrowseDeps } from './sessions';
import { SCHEME } from './source';

export type { BrowseDeps };

export function registerBrowse(ctx: AppContext, register: Register, deps: BrowseDeps): vscode.Disposable[] {
    const sessions = new BrowseSessions(ctx, deps);
    const provider = new DiskFileSystemProvider(sessions, ctx.services.log);
    return [
        sessions,
        vscode.workspace.registerFileSystemProvider(SCHEME, provider, { isReadonly: true, isCaseSensitive: true }),
        // A disk's folder leaving the workspace closes it (and offers to revoke a grant browsing made).
        vscode.workspace.onDidChangeWorkspaceFolders((e) => {
            for (const f of e.removed) {
                if (f.uri.scheme === SCHEME && sessions.isOpen(f.uri.authority)) void ctx.run(Cmd.CloseDiskContents, (actx) => sessions.close(actx, f.uri.authority));
            }
        }),
        register(Cmd.BrowseContents, (actx, arg, options) => browseContents(ctx, sessions, actx, arg, options)),
        register(Cmd.OpenDiskImage, (actx, arg, options) => openDiskImage(ctx, sessions, actx, arg, options)),
        register(Cmd.SaveToWorkspace, (actx, arg, selected) => saveToWorkspace(ctx, provider, actx, arg, selected)),
        register(Cmd.CloseDiskContents, (actx, arg) => closeDiskContents(ctx, sessions, actx, arg)),
    ];
}
