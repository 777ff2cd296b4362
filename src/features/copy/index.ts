/** Copy to…: a disk or snapshot into a new disk of any signed-in subscription, group and region; resumable. */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { offerDelete } from './outcome';
import { forgetCopy, offerPendingCopies, stopRunningCopies } from './resume';
import { copyTo, journalPath, restartCopy, resumeCopy } from './run';

/** After the window opens: offer to resume the copies that did not finish. */
export function offerCopyResumes(ctx: AppContext): void {
    offerPendingCopies(ctx, {
        resume: (rec) => resumeCopy(ctx, rec),
        restart: (rec) => restartCopy(ctx, rec),
        forget: (rec) => void forgetCopy(ctx, rec, (k) => journalPath(ctx, k)),
        discard: (rec) => void forgetCopy(ctx, rec, (k) => journalPath(ctx, k)).then(() => offerDelete(ctx, rec.target)),
    });
}

export { stopRunningCopies };

export function registerCopy(ctx: AppContext, register: Register): vscode.Disposable[] {
    offerCopyResumes(ctx);
    return [
        register(Cmd.CopyTo, (actx, arg) => copyTo(ctx, actx, arg)),
        // At shutdown copies stop; their journals and records stay, so they resume.
        new vscode.Disposable(() => void stopRunningCopies()),
    ];
}
