/**
 * Browse Contents (a disk, snapshot or disk restore point) and Open Disk Image (a local file): the
 * disk opens as a workspace folder named after it, so its files are in the Explorer, Quick Open,
 * search and editors like any folder's — the most native place VS Code has for a file system.
 * Close Disk removes the folder, which closes the session.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { canDownload } from '../../shared/diskStates';
import { DiskError } from '../../shared/errors';
import { resolveDisk } from '../../wizard/diskArg';
import type { BrowseSessions } from './sessions';
import { decodeSource, encodeSource, newSessionId, sameSource, SCHEME, type BrowseSource } from './source';

export const IMAGE_EXTENSIONS = ['vhd', 'vhdx', 'img', 'raw', 'qcow2'];

interface OpenOptions {
    /** False: open the session and answer its root URI without touching the workspace (callers that show it their own way). */
    addToWorkspace: boolean;
}

/** Options arrive from outside the extension too (the command is public): only a boolean passes. */
function parseOptions(o: unknown): OpenOptions {
    const add = o && typeof o === 'object' ? (o as { addToWorkspace?: unknown }).addToWorkspace : undefined;
    return { addToWorkspace: add !== false };
}

export async function browseContents(ctx: AppContext, sessions: BrowseSessions, actx: ActionContext, arg?: unknown, options?: unknown): Promise<string> {
    const { ref, info } = await resolveDisk(ctx.services, arg, { filter: canDownload, placeHolder: vscode.l10n.t('Select a disk or snapshot to browse') });
    actx.errorContext = { ...actx.errorContext, diskName: ref.name };
    actx.telemetry.properties.kind = ref.kind;
    const disk = info?.diskState !== undefined ? info : await ctx.services.disks.getDisk(ref).catch(() => info);
    if (disk && !canDownload(disk)) {
        throw new DiskError('Conflict', vscode.l10n.t('{0} is {1}: its files can be read only when it is not attached to a running VM and not receiving an upload.', ref.name, disk.diskState ?? ''));
    }
    return openSource(ctx, sessions, actx, { type: 'disk', ref }, ref.name, parseOptions(options));
}

export async function openDiskImage(ctx: AppContext, sessions: BrowseSessions, actx: ActionContext, arg?: unknown, options?: unknown): Promise<string> {
    let file = arg instanceof vscode.Uri && arg.scheme === 'file' ? arg.fsPath : undefined;
    if (!file) {
        const picked = await ctx.services.ui.showOpenDialog({
            canSelectFiles: true,
            canSelectFolders: false,
            canSelectMany: false,
            filters: { [vscode.l10n.t('Disk images')]: IMAGE_EXTENSIONS },
            openLabel: vscode.l10n.t('Open'),
            title: vscode.l10n.t('Disk image to browse'),
        });
        if (!picked || picked.length === 0) throw new UserCancelledError('image');
        file = picked[0].fsPath;
    }
    actx.telemetry.properties.extension = path.extname(file).toLowerCase().slice(1, 8);
    return openSource(ctx, sessions, actx, { type: 'image', path: file }, path.basename(file), parseOptions(options));
}

async function openSource(ctx: AppContext, sessions: BrowseSessions, actx: ActionContext, source: BrowseSource, label: string, o: OpenOptions): Promise<string> {
    const shown = folderOf((s) => sameSource(s, source));
    if (shown && o.addToWorkspace) {
        await vscode.commands.executeCommand('revealInExplorer', shown.uri);
        return shown.uri.toString();
    }
    const id = newSessionId(crypto.randomBytes);
    const uri = vscode.Uri.from({ scheme: SCHEME, authority: id, path: '/', query: encodeSource(source) });
    // Adding a folder to a window without a multi-root workspace makes VS Code enter an untitled
    // workspace, which restarts the extensions (and reloads a browser window): a session opened now
    // would not outlive it, so the disk opens on its first read after that, from the URI's query.
    const restarts = o.addToWorkspace && vscode.workspace.workspaceFile === undefined;
    actx.telemetry.properties.restarts = String(restarts);
    if (!restarts) {
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Opening {0}…', label) }, () => sessions.open(actx, id, source, label));
    }
    if (!o.addToWorkspace) return uri.toString();
    if (restarts) sessions.handOver(id);
    const at = vscode.workspace.workspaceFolders?.length ?? 0;
    if (!vscode.workspace.updateWorkspaceFolders(at, 0, { uri, name: label })) {
        await sessions.close(actx, id);
        throw new DiskError('Conflict', vscode.l10n.t('VS Code did not add {0} to the workspace (another change to the workspace folders may be under way). Try again.', label));
    }
    ctx.services.log.info(`Browsing ${label} as a workspace folder${restarts ? ' (VS Code restarts the extensions to enter a multi-root workspace; the disk opens on its first read)' : ''}.`);
    return uri.toString();
}

/** The workspace folder of a browse session whose source matches. */
function folderOf(match: (s: BrowseSource) => boolean): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.find((f) => {
        if (f.uri.scheme !== SCHEME) return false;
        const s = decodeSource(f.uri.query);
        return !!s && match(s);
    });
}

/** Close Disk: removes the session's folder (which closes it), or closes a session that has none. */
export async function closeDiskContents(ctx: AppContext, sessions: BrowseSessions, actx: ActionContext, arg?: unknown): Promise<void> {
    let uri = arg instanceof vscode.Uri && arg.scheme === SCHEME ? arg : undefined;
    if (!uri) {
        const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === SCHEME);
        if (folders.length === 0) throw new DiskError('NotFound', vscode.l10n.t('No disk is being browsed in this window.'));
        const pick = await ctx.services.ui.showQuickPick(folders.map((f) => ({ label: f.name, folder: f })), { placeHolder: vscode.l10n.t('Disk to close') });
        uri = pick.folder.uri;
    }
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === SCHEME && f.uri.authority === uri.authority);
    if (folder) {
        // onDidChangeWorkspaceFolders closes the session (and offers the revoke).
        vscode.workspace.updateWorkspaceFolders(folder.index, 1);
        return;
    }
    await sessions.close(actx, uri.authority);
}
