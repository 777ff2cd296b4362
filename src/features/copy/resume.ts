/**
 * Resuming copies: the question at the start of Copy to… on a source with an unfinished copy, the
 * offer after the window opens again, and the running copies a window close stops.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { StateKey } from '../../shared/constants';
import { isLiveWriteGrant } from '../../shared/grants';
import type { UserInput } from '../../platform/userInput';
import type { DiskInfo } from '../../shared/types';
import { copyKey, PendingCopies, type PendingCopy } from './pending';

export function pendingCopies(ctx: AppContext): PendingCopies {
    return new PendingCopies(ctx.services.context.globalState, StateKey.PendingCopies, ctx.services.log);
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

/**
 * Whether an unfinished copy can write into its target from this window: the target still waits
 * for its first Write grant, or this window holds that grant. A SAS is never kept across a
 * reload, and Azure gives no second Write grant while one lasts (the disk stays ActiveUpload), so
 * after a reload a target in ActiveUpload cannot be written again. 'gone': the target was deleted.
 */
export async function resumability(ctx: AppContext, rec: PendingCopy): Promise<'resume' | 'restart' | 'gone'> {
    const target = await ctx.services.disks.getDisk(rec.target).catch((e: unknown) => (isNotFound(e) ? null : undefined));
    if (target === null) return 'gone';
    if (!target) return 'resume'; // unknown (offline): Resume Copy says what went wrong
    const held = ctx.services.grants.get(rec.target.id);
    if (isLiveWriteGrant(held)) return 'resume';
    return target.diskState === 'ReadyToUpload' ? 'resume' : 'restart';
}

export function isNotFound(e: unknown): boolean {
    return (e as { statusCode?: number }).statusCode === 404 || (e as { code?: string }).code === 'NotFound' || /not ?found/i.test(String((e as Error)?.message));
}

export interface PendingActions {
    resume(rec: PendingCopy): void;
    /** Deletes the target (after the usual confirmation) and copies again into a disk of the same name. */
    restart(rec: PendingCopy): void;
    discard(rec: PendingCopy): void;
    /** Forgets the record and its journals, saying nothing (the target is gone). */
    forget(rec: PendingCopy): void;
}

/** After the window opens: offer to resume each copy that did not finish, or — when it cannot resume — to start it again. */
export function offerPendingCopies(ctx: AppContext, actions: PendingActions): void {
    for (const rec of pendingCopies(ctx).all()) void offerOne(ctx, rec, actions);
}

async function offerOne(ctx: AppContext, rec: PendingCopy, actions: PendingActions): Promise<void> {
    const how = await resumability(ctx, rec);
    const no = vscode.l10n.t('Discard');
    if (how === 'gone') {
        ctx.services.log.info(`The copy of ${rec.source.name} into ${rec.target.name} did not finish and its target no longer exists: forgotten.`);
        actions.forget(rec);
        return;
    }
    const yes = how === 'resume' ? vscode.l10n.t('Resume Copy') : vscode.l10n.t('Delete Target and Restart');
    const message = how === 'resume'
        ? vscode.l10n.t('Resume the copy of {0} into {1}? It did not finish; the ranges copied so far are recorded.', rec.source.name, rec.target.name)
        : vscode.l10n.t('The copy of {0} into {1} did not finish and cannot resume: {1} is still open for writing under an access granted before this window reloaded, whose URL is not kept, and Azure gives no second write access while it lasts. Delete {1} and copy again, or discard the unfinished copy.', rec.source.name, rec.target.name);
    const choice = await ctx.services.ui.showInformationMessage(message, yes, no).then((c) => c, () => undefined);
    if (choice === yes) (how === 'resume' ? actions.resume : actions.restart)(rec);
    else if (choice === no) actions.discard(rec);
}
