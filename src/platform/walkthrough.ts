/**
 * The Getting Started walkthrough ticks a step when its context key turns true (package.json:
 * `completionEvents: ["onContext:azureDisks.walkthrough.<step>Done"]`). A key is set when the
 * action really succeeded, wherever it was started from (tree, palette, panel), and the steps done
 * are kept in globalState so they are still ticked after a reload.
 */
import * as vscode from 'vscode';
import { StateKey } from '../shared/constants';

export type WalkthroughStep = 'signIn' | 'grant' | 'download' | 'upload' | 'copy' | 'browse' | 'revoke';

export function walkthroughContextKey(step: WalkthroughStep): string {
    return `azureDisks.walkthrough.${step}Done`;
}

/** Records `step` as done and ticks it; never throws (a tick is not worth failing the action for). */
export async function markStepDone(context: vscode.ExtensionContext, step: WalkthroughStep): Promise<void> {
    try {
        const done = context.globalState.get<string[]>(StateKey.WalkthroughDone) ?? [];
        if (!done.includes(step)) await context.globalState.update(StateKey.WalkthroughDone, [...done, step]);
        await vscode.commands.executeCommand('setContext', walkthroughContextKey(step), true);
    } catch {
        // The walkthrough's tick only.
    }
}

/** At activation: the steps done in earlier sessions are ticked again (context keys do not survive a reload). */
export async function restoreWalkthrough(context: vscode.ExtensionContext): Promise<void> {
    const done = context.globalState.get<WalkthroughStep[]>(StateKey.WalkthroughDone) ?? [];
    for (const step of done) await vscode.commands.executeCommand('setContext', walkthroughContextKey(step), true);
}
