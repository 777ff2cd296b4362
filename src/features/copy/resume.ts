/**
 * Resuming copies: the question at the start of Copy to… on a source with an unfinished copy, the
 * offer after the window opens again, and the running copies a window close stops.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { StateKey } from '../../shared/constants';
import type { UserInput } from '../../platform/userInput';
import type { DiskInfo } from '../../shared/types';
import { copyKey, PendingCopies, type PendingCopy } from './pending';

export function pendingCopies(ctx: AppContext): PendingCopies {
    return new PendingCopies(ctx.services.context.globalState, StateKey.PendingCopies);
}

const running = new Set<AbortController>();

/** A signal for one copy run that a window close (or the test hook) aborts too. */
export function trackCopy(): { signal: AbortSignal; done(): void; abort(): void } {
    const c = new AbortController();
    running.add(c);
    return { signal: c.signal, done: () => void running.delete(c), abort: () => c.abort() };
}

/** Stops every running copy (the window closes): journals and records stay, so the copies resume. */
export function stopRunningCopies(): number {
    const n = running.size;
    for (const c of [...running]) c.abort();
    running.clear();
    return n;
}

/** Asks whether to resume one of the unfinished copies of `source`; undefined: a new copy. */
export async function askResume(ui: UserInput, source: DiskInfo, pending: PendingCopy[]): Promise<PendingCopy | undefined> {
    const items = [
        ...pending.map((p) => ({ label: vscode.l10n.t('Resume the copy into {0}', p.target.name), description: `${p.target.resourceGroup}`, detail: vscode.l10n.t('Started {0}; continues with the ranges not yet copied.', new Date(p.startedAt).toLocaleString()), rec: p })),
        { label: vscode.l10n.t('Start a new copy'), description: '', detail: vscode.l10n.t('Into a new disk; the unfinished copy stays as it is.'), rec: undefined },
    ];
    const picked = await ui.showQuickPick(items, { placeHolder: vscode.l10n.t('A copy of {0} did not finish', source.name), ignoreFocusOut: true });
    return picked.rec;
}

/** Removes a copy's record and journals (the copy will not be resumed). */
export async function forgetCopy(ctx: AppContext, rec: PendingCopy, journalPath: (key: string) => string): Promise<void> {
    await pendingCopies(ctx).remove(rec.target.id);
    for (const b of rec.blobs) fs.rmSync(journalPath(copyKey(rec.source, b, rec.target)), { force: true });
}

/** After the window opens: offer to resume each copy that did not finish. */
export function offerPendingCopies(ctx: AppContext, resume: (rec: PendingCopy) => void, discard: (rec: PendingCopy) => void): void {
    for (const rec of pendingCopies(ctx).all()) {
        const yes = vscode.l10n.t('Resume Copy');
        const no = vscode.l10n.t('Discard');
        void ctx.services.ui.showInformationMessage(vscode.l10n.t('Resume the copy of {0} into {1}? It did not finish; the ranges copied so far are recorded.', rec.source.name, rec.target.name), yes, no).then(
            (choice) => {
                if (choice === yes) resume(rec);
                else if (choice === no) discard(rec);
            },
            () => undefined,
        );
    }
}
