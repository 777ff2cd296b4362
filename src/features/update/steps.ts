/** The questions the update commands ask: one pick from a list, and where a changes file goes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { UserInput } from '../../platform/userInput';
import { UserCancelledError } from '../../shared/cancel';
import { changeListPath, updateJournalPath } from '../../transfer';

export async function pickOne<T>(ui: UserInput, items: (vscode.QuickPickItem & { value: T })[], placeHolder: string): Promise<T> {
    const chosen = await ui.showQuickPick(items, { placeHolder, ignoreFocusOut: true, matchOnDescription: true, matchOnDetail: true });
    if (!chosen) throw new UserCancelledError('pick');
    return chosen.value;
}

/**
 * The changes file: `<folder>/<newer>.changes-since-<older>.bin` in a folder the user picks
 * (starting at the workspace). ARM names hold only letters, digits, `_`, `.` and `-`, so they are
 * safe as file names. A finished file already there is overwritten only with consent; an
 * unfinished one (its journal is there) resumes.
 */
export async function chooseChangesFile(ui: UserInput, newer: string, older: string): Promise<{ destPath: string; resuming: boolean }> {
    const start = (vscode.workspace.workspaceFolders ?? []).find((f) => f.uri.scheme === 'file')?.uri;
    const picked = await ui.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        defaultUri: start,
        openLabel: vscode.l10n.t('Save the changes here'),
        title: vscode.l10n.t('Where to save the changes of {0} since {1}', newer, older),
    });
    if (!picked?.length) throw new UserCancelledError('folder');
    const destPath = path.join(picked[0].fsPath, `${newer}.changes-since-${older}.bin`);
    const resuming = fs.existsSync(updateJournalPath(destPath)) && fs.existsSync(destPath);
    if (!resuming && (fs.existsSync(destPath) || fs.existsSync(changeListPath(destPath)))) {
        const overwrite = vscode.l10n.t('Overwrite');
        const choice = await ui.showWarningMessage(vscode.l10n.t('{0} already exists in {1}. Overwrite it?', path.basename(destPath), path.dirname(destPath)), { modal: true }, overwrite);
        if (choice !== overwrite) throw new UserCancelledError('overwrite');
        fs.rmSync(destPath, { force: true });
        fs.rmSync(changeListPath(destPath), { force: true });
        fs.rmSync(updateJournalPath(destPath), { force: true });
    }
    return { destPath, resuming };
}
