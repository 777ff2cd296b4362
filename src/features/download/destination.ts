/** Where a download goes: the workspace (or a folder the user picks), files already there, free space. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Setting } from '../../shared/constants';
import { UserCancelledError } from '../../shared/cancel';
import { type Services } from '../../platform/services';
import { partialPaths, discardPartial } from '../../transfer';
import { downloadSubfolder, sanitizeName } from './names';
import { decideExisting, type PlannedFile } from './plan';
import { formatBytes } from '../../shared/format';

/** `<workspace folder>/<download.folder>/<disk>`; without a workspace, `<picked folder>/<disk>`. */
export async function chooseFolder(services: Services, diskName: string): Promise<string> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    const sub = downloadSubfolder(vscode.workspace.getConfiguration(Setting.Section).get<string>(Setting.DownloadFolder, 'disks'));
    if (folders.length === 1) return path.join(folders[0].uri.fsPath, ...sub, sanitizeName(diskName));
    if (folders.length > 1) {
        const pick = await services.ui.showQuickPick(
            folders.map((f) => ({ label: f.name, description: f.uri.fsPath, folder: f })),
            { title: vscode.l10n.t('Download {0} into which workspace folder?', diskName), placeHolder: vscode.l10n.t('Workspace folder') },
        );
        if (!pick) throw new UserCancelledError('folder');
        return path.join(pick.folder.uri.fsPath, ...sub, sanitizeName(diskName));
    }
    const picked = await services.ui.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        openLabel: vscode.l10n.t('Download here'),
        title: vscode.l10n.t('No folder is open: choose where to download {0}', diskName),
    });
    if (!picked || picked.length === 0) throw new UserCancelledError('folder');
    return path.join(picked[0].fsPath, sanitizeName(diskName));
}

/**
 * Resumable partials are kept; existing finished files are overwritten only with the user's consent
 * (one modal for all of them); orphan partials without a journal are cleared.
 * Resolves to the blobs that will resume.
 */
export async function settleExistingFiles(services: Services, files: readonly PlannedFile[]): Promise<Set<string>> {
    const resuming = new Set<string>();
    const toOverwrite: PlannedFile[] = [];
    for (const f of files) {
        const p = partialPaths(f.destPath);
        const decision = decideExisting({ file: fs.existsSync(f.destPath), partial: fs.existsSync(p.partial), journal: fs.existsSync(p.journal) });
        if (decision === 'resume') resuming.add(f.blob);
        else if (decision === 'askOverwrite') toOverwrite.push(f);
    }
    if (toOverwrite.length) {
        const names = toOverwrite.map((f) => f.fileName).join(', ');
        const folder = path.dirname(toOverwrite[0].destPath);
        const overwrite = vscode.l10n.t('Overwrite');
        const choice = await services.ui.showWarningMessage(
            toOverwrite.length === 1 ? vscode.l10n.t('{0} already exists in {1}. Overwrite it?', names, folder) : vscode.l10n.t('These files already exist in {0}: {1}. Overwrite them?', folder, names),
            { modal: true },
            overwrite,
        );
        if (choice !== overwrite) throw new UserCancelledError('overwrite');
    }
    for (const f of files) if (!resuming.has(f.blob)) discardPartial(f.destPath);
    return resuming;
}

export async function freeSpace(folder: string): Promise<number | undefined> {
    try {
        const s = await fs.promises.statfs(folder);
        return Number(s.bavail) * Number(s.bsize);
    } catch {
        return undefined;
    }
}

export function spaceNote(free: number, needed: number, folder: string): string {
    return vscode.l10n.t("{0} has {1} free; the disk is {2}. A sparse download needs only the disk's written data, so it starts anyway and stops cleanly if space runs out.", folder, formatBytes(free), formatBytes(needed));
}
