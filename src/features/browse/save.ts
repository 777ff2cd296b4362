/**
 * Save to Workspace…: files and folders of a disk being browsed, copied into a folder the user
 * picks (the workspace's by default) under a cancellable progress notification; every name changed
 * to be safe here and every entry skipped is written to the log, and counted in the message.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { BrowseError, saveTo, type SaveProgress, type SaveResult } from '../../disk/browse';
import type { ActionContext } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';
import { UserCancelledError } from '../../shared/cancel';
import { DiskError } from '../../shared/errors';
import { formatBytes } from '../../shared/format';
import type { DiskFileSystemProvider } from './provider';
import { SCHEME } from './source';

/** The explorer passes the clicked item and the selection; the palette passes nothing (then: the active editor's file). */
function targets(arg: unknown, selected: unknown): vscode.Uri[] {
    const all = Array.isArray(selected) && selected.length ? selected : [arg ?? vscode.window.activeTextEditor?.document.uri];
    return all.filter((u): u is vscode.Uri => u instanceof vscode.Uri && u.scheme === SCHEME);
}

export async function saveToWorkspace(ctx: AppContext, provider: DiskFileSystemProvider, actx: ActionContext, arg?: unknown, selected?: unknown): Promise<SaveResult[]> {
    const uris = targets(arg, selected);
    if (uris.length === 0) throw new DiskError('NotFound', vscode.l10n.t('Choose a file or folder of a disk being browsed, in the Explorer.'));
    const folder = await chooseFolder(ctx, uris);
    actx.telemetry.measurements.items = uris.length;
    const results: SaveResult[] = [];
    try {
        await withCancellableProgress(vscode.l10n.t('Saving to {0}', path.basename(folder)), 'save', async (signal, progress) => {
            const report = reporter(progress);
            for (const uri of uris) {
                const session = await provider.session(uri);
                results.push(await saveTo(session.tree, uri.path || '/', folder, { signal, rootName: session.label, onProgress: report }));
            }
        });
    } catch (e) {
        if (e instanceof BrowseError && e.code === 'Cancelled') throw new UserCancelledError('save');
        throw e;
    }
    actx.telemetry.measurements.files = results.reduce((a, r) => a + r.files, 0);
    actx.telemetry.measurements.bytes = results.reduce((a, r) => a + r.bytes, 0);
    actx.telemetry.measurements.renamed = results.reduce((a, r) => a + r.renamed.length, 0);
    actx.telemetry.measurements.skipped = results.reduce((a, r) => a + r.skipped.length, 0);
    tell(ctx, folder, results);
    return results;
}

async function chooseFolder(ctx: AppContext, uris: vscode.Uri[]): Promise<string> {
    const local = (vscode.workspace.workspaceFolders ?? []).find((f) => f.uri.scheme === 'file');
    const picked = await ctx.services.ui.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        defaultUri: local?.uri,
        openLabel: vscode.l10n.t('Save Here'),
        title: uris.length === 1 ? vscode.l10n.t('Save {0} into which folder?', path.posix.basename(uris[0].path) || uris[0].authority) : vscode.l10n.t('Save {0} items into which folder?', uris.length),
    });
    if (!picked || picked.length === 0 || picked[0].scheme !== 'file') throw new UserCancelledError('folder');
    return picked[0].fsPath;
}

/** Progress at most four times a second: bytes, files and the path being saved. */
function reporter(progress: vscode.Progress<{ message?: string; increment?: number }>): (p: SaveProgress) => void {
    let last = 0;
    let reported = 0;
    return (p) => {
        const now = Date.now();
        if (now - last < 250 && p.filesDone < p.filesTotal) return;
        last = now;
        const pct = p.bytesTotal > 0 ? (100 * p.bytesDone) / p.bytesTotal : (100 * p.filesDone) / Math.max(1, p.filesTotal);
        progress.report({ increment: Math.max(0, pct - reported), message: vscode.l10n.t('{0} of {1}, {2} of {3} files: {4}', formatBytes(p.bytesDone), formatBytes(p.bytesTotal), p.filesDone, p.filesTotal, p.current) });
        reported = Math.max(reported, pct);
    };
}

function tell(ctx: AppContext, folder: string, results: SaveResult[]): void {
    const { log, ui } = ctx.services;
    for (const r of results) {
        for (const n of r.renamed) log.info(`Saved ${JSON.stringify(n.rawName)} (${n.path}) as ${n.savedAs}: the stored name is not safe here or was taken.`);
        for (const s of r.skipped) log.warn(`Skipped ${s.path}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}.`);
    }
    const files = results.reduce((a, r) => a + r.files, 0);
    const bytes = results.reduce((a, r) => a + r.bytes, 0);
    const renamed = results.reduce((a, r) => a + r.renamed.length, 0);
    const skipped = results.reduce((a, r) => a + r.skipped.length, 0);
    const onWindows = results.some((r) => r.skipped.some((s) => s.reason === 'symlinkOnWindows'));
    let message = vscode.l10n.t('Saved {0} files ({1}) to {2}.', files, formatBytes(bytes), folder);
    if (renamed) message += ' ' + vscode.l10n.t('{0} names were changed to be safe on this machine (listed in the log).', renamed);
    if (skipped) message += ' ' + vscode.l10n.t('{0} entries were skipped (listed in the log).', skipped);
    if (onWindows) message += ' ' + vscode.l10n.t('Symbolic links are not saved on Windows.');
    const reveal = vscode.l10n.t('Reveal in Explorer');
    const showLog = vscode.l10n.t('Show Log');
    const first = results.find((r) => r.saved)?.saved;
    void ui.showInformationMessage(message, ...(first ? [reveal] : []), ...(renamed || skipped ? [showLog] : [])).then(
        (choice) => {
            if (choice === reveal && first) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(first));
            else if (choice === showLog) log.show();
        },
        () => undefined,
    );
}
