/**
 * The question before an act that cannot be undone (deleting a disk or snapshot, ending an upload):
 * the user types the resource's name, as the Azure portal asks. A modal's focused default button
 * is the act itself, so Enter alone would do it; here Enter with anything but the name does nothing.
 */
import * as vscode from 'vscode';
import type { UserInput } from './userInput';

export interface TypedConfirmation {
    /** The question, naming what is lost. */
    title: string;
    /** What follows, in a sentence or two. */
    detail: string;
    /** What must be typed. */
    name: string;
}

/** Resolves once the name is typed; Escape rejects with UserCancelledError (from the input box). */
export async function confirmByTypingName(ui: UserInput, c: TypedConfirmation): Promise<void> {
    await ui.showInputBox({
        title: c.title,
        prompt: `${c.detail} ${vscode.l10n.t('Type {0} to confirm, or press Escape.', c.name)}`,
        placeHolder: c.name,
        value: '',
        ignoreFocusOut: true,
        // Every other value is refused, the empty one too: that refusal is what makes Enter safe.
        validateInput: (v) => (v.trim() === c.name ? undefined : { message: vscode.l10n.t('Type the name {0} exactly to confirm.', c.name), severity: vscode.InputBoxValidationSeverity.Info }),
    });
}
