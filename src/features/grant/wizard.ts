/**
 * The Grant Access prompts: one wizard step per question over one GrantContext, run by the shared
 * step engine (wizard/engine.ts). No vscode import at runtime: unit-tested with a scripted UserInput.
 */
import type * as vscode from 'vscode';
import { type UserInput } from '../../platform/userInput';
import { isGoBack } from '../../shared/cancel';
import { runWizard, type StepPosition, type WizardStep } from '../../wizard/engine';
import type { DiskInfo } from '../../shared/types';
import { accessChoices, DURATION_CHOICES, parseDuration, shouldPrompt, STEP_ORDER, type GrantContext, type StepId } from './steps';

/** vscode.l10n.t's shape; plain substitution in tests. */
export type Translate = (message: string, ...args: (string | number | boolean)[]) => string;
export const plainT: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));

type Item<T> = vscode.QuickPickItem & { value: T };

const CUSTOM = -1;

async function promptStep(id: StepId, ctx: GrantContext, ui: UserInput, pos: StepPosition, t: Translate): Promise<void> {
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
            ctx.fileFormat = (await ui.showQuickPick(items, { ...common, placeHolder: ctx.disk.kind === 'diskRestorePoint' ? t('File format of the disk restore point') : t('File format of the snapshot') })).value;
            return;
        }
    }
}

const ANSWER: Record<StepId, keyof GrantContext> = { access: 'access', duration: 'durationInSeconds', guestState: 'getSecureVMGuestStateSAS', format: 'fileFormat' };

/** The grant questions before the disk is known (the palette picks it in the same wizard). */
export type GrantWizardContext = Omit<GrantContext, 'disk'> & { disk?: DiskInfo };

/**
 * The grant steps. Until a disk is chosen only the duration is sure to be asked (the count grows
 * when the disk needs more); `applies` false skips them all (a disk that cannot be granted: the
 * command explains why once the wizard ends).
 */
export function grantSteps<C extends GrantWizardContext>(t: Translate, applies: (c: C) => boolean = () => true): WizardStep<C>[] {
    return STEP_ORDER.map((id) => ({
        id,
        shouldPrompt: (c) => applies(c) && (c.disk ? shouldPrompt(id, c as GrantContext) : id === 'duration' && c.durationInSeconds === undefined),
        prompt: (c, input, pos) => promptStep(id, c as GrantContext, input, pos, t),
        clear: (c) => {
            delete c[ANSWER[id]];
        },
    }));
}

/** The wizard's title; for a disk that can only be read it says why Write is not asked. */
export function grantTitle(t: Translate, disk: DiskInfo): string {
    return accessChoices(disk).length > 1
        ? t('Grant access to {0}', disk.name)
        : t('Grant read access to {0} (write access is only for a disk created for upload)', disk.name);
}

/** Asks what `ctx` does not already say; fills it in. */
export async function runGrantWizard(ctx: GrantContext, ui: UserInput, t: Translate = plainT): Promise<GrantContext> {
    return runWizard(ctx, grantSteps<GrantContext>(t), ui, (c) => grantTitle(t, c.disk));
}
