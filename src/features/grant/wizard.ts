/**
 * The Grant Access prompts: one step per question over one GrantContext, "Step x of y", Back to
 * the previous question, Escape cancels (UserCancelledError from UserInput). No vscode import at
 * runtime, so the flow is unit-tested with a scripted UserInput.
 */
import type * as vscode from 'vscode';
import { type UserInput } from '../../platform/userInput';
import { isGoBack } from '../../shared/cancel';
import { accessChoices, DURATION_CHOICES, parseDuration, shouldPrompt, STEP_ORDER, type GrantContext, type StepId } from './steps';

/** vscode.l10n.t's shape; plain substitution in tests. */
export type Translate = (message: string, ...args: (string | number | boolean)[]) => string;
export const plainT: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));

type Item<T> = vscode.QuickPickItem & { value: T };
interface Position {
    step: number;
    totalSteps: number;
    title: string;
}

const CUSTOM = -1;

async function promptStep(id: StepId, ctx: GrantContext, ui: UserInput, pos: Position, t: Translate): Promise<void> {
    const common = { title: pos.title, step: pos.step, totalSteps: pos.totalSteps, ignoreFocusOut: true };
    switch (id) {
        case 'access': {
            const items: Item<'Read' | 'Write'>[] = accessChoices(ctx.disk).map((a, i) => ({
                label: a,
                description: a === 'Read' ? t('download or copy the disk') : t('upload a VHD into the disk'),
                picked: i === 0,
                value: a,
            }));
            ctx.access = (await ui.showQuickPick(items, { ...common, placeHolder: t('Access level') })).value;
            return;
        }
        case 'duration': {
            for (;;) {
                const items: Item<number>[] = [
                    ...DURATION_CHOICES.map((c) => ({ label: t(c.label), value: c.seconds })),
                    { label: t('Custom…'), description: t('e.g. 90m, 36h, 2d, or seconds'), value: CUSTOM },
                ];
                const picked = (await ui.showQuickPick(items, { ...common, placeHolder: t('How long should the access last? (the SAS expires after this)') })).value;
                if (picked !== CUSTOM) {
                    ctx.durationInSeconds = picked;
                    return;
                }
                try {
                    const text = await ui.showInputBox({
                        ...common,
                        prompt: t('Duration of the access: e.g. 90m, 36h, 2d, or a number of seconds (1 second to 60 days)'),
                        placeHolder: '36h',
                        validateInput: (v) => {
                            const r = parseDuration(v);
                            return 'error' in r ? t(r.error) : undefined;
                        },
                    });
                    const r = parseDuration(text);
                    if ('seconds' in r) {
                        ctx.durationInSeconds = r.seconds;
                        return;
                    }
                } catch (e) {
                    if (!isGoBack(e)) throw e;
                    // Back from the custom box: the duration list again.
                }
            }
        }
        case 'guestState': {
            const items: Item<boolean>[] = [
                { label: t('Yes, include VM guest state'), description: t('also VM metadata when the disk has it'), picked: true, value: true },
                { label: t('No, disk only'), value: false },
            ];
            ctx.getSecureVMGuestStateSAS = (await ui.showQuickPick(items, { ...common, placeHolder: t('Include VM guest state (and VM metadata) SAS?') })).value;
            return;
        }
        case 'format': {
            const items: Item<'VHD' | 'VHDX'>[] = [
                { label: 'VHD', description: t('fixed VHD, what Azure disks are made from'), picked: true, value: 'VHD' },
                { label: 'VHDX', description: t('smaller download for Hyper-V'), value: 'VHDX' },
            ];
            ctx.fileFormat = (await ui.showQuickPick(items, { ...common, placeHolder: t('File format of the snapshot') })).value;
            return;
        }
    }
}

function clear(id: StepId, ctx: GrantContext): void {
    if (id === 'access') ctx.access = undefined;
    else if (id === 'duration') ctx.durationInSeconds = undefined;
    else if (id === 'guestState') ctx.getSecureVMGuestStateSAS = undefined;
    else ctx.fileFormat = undefined;
}

/** Asks what `ctx` does not already say; fills it in. */
export async function runGrantWizard(ctx: GrantContext, ui: UserInput, t: Translate = plainT): Promise<GrantContext> {
    const title = t('Grant access to {0}', ctx.disk.name);
    const asked: StepId[] = [];
    for (;;) {
        const next = STEP_ORDER.find((s) => !asked.includes(s) && shouldPrompt(s, ctx));
        if (!next) return ctx;
        const remaining = STEP_ORDER.filter((s) => !asked.includes(s) && shouldPrompt(s, ctx)).length;
        try {
            await promptStep(next, ctx, ui, { step: asked.length + 1, totalSteps: asked.length + remaining, title }, t);
            asked.push(next);
        } catch (e) {
            if (!isGoBack(e)) throw e;
            const prev = asked.pop();
            if (prev) clear(prev, ctx);
        }
    }
}
