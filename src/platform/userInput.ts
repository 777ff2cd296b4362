/** Every prompt and toast goes through a UserInput: the real one, or a scripted one in the extension's tests. */
import type * as vscode from 'vscode';

/** Every prompt the extension shows goes through this, so an unscripted prompt in a test fails at once. */
export interface UserInput {
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options: vscode.QuickPickOptions & { canPickMany: true; step?: number; totalSteps?: number }): Promise<T[]>;
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options?: vscode.QuickPickOptions & { step?: number; totalSteps?: number }): Promise<T>;
    showInputBox(options: vscode.InputBoxOptions & { step?: number; totalSteps?: number }): Promise<string>;
    /** Modal or non-modal question; resolves to the chosen item's title, or undefined when dismissed. */
    showWarningMessage(message: string, options: vscode.MessageOptions, ...items: string[]): Promise<string | undefined>;
    /** `defaultFolder`: a local folder to open in (a path, so callers without vscode at run time can name one). */
    showOpenDialog(options: vscode.OpenDialogOptions & { defaultFolder?: string }): Promise<vscode.Uri[] | undefined>;
    /** Toasts. Non-modal ones need no answer (a test fake records them); resolve to the chosen item. */
    showErrorMessage(message: string, ...items: string[]): Promise<string | undefined>;
    showInformationMessage(message: string, ...items: string[]): Promise<string | undefined>;
    /**
     * An information notice that closes itself once `until` settles (new work superseding it):
     * unlike an information message, which an extension cannot take back.
     */
    showNotice(message: string, until: Promise<unknown>): void;
}
