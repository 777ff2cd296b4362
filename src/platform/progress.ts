/** Long work under a notification whose Cancel really cancels: the operation's AbortSignal fires. */
import * as vscode from 'vscode';
import { UserCancelledError } from '../shared/cancel';

/**
 * Runs `op` under a cancellable progress notification. When the user cancels, whatever `op` throws
 * becomes UserCancelledError(`step`), so the command ends quietly as Canceled.
 */
export async function withCancellableProgress<T>(title: string, step: string, op: (signal: AbortSignal, progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>): Promise<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
            return await op(abort.signal, progress);
        } catch (e) {
            if (abort.signal.aborted) throw new UserCancelledError(step);
            throw e;
        } finally {
            sub.dispose();
        }
    });
}
