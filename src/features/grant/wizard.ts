/**
 * The Grant Access prompts: one wizard step per question over one GrantContext, run by the shared
 * step engine (wizard/engine.ts). No vscode import at runtime: unit-tested with a scripted UserInput.
 * Every text is a literal `l10n.t` call, so the extractor puts it in the bundle (activation
 * configures @vscode/l10n with VS Code's).
 */
import * as l10n from '@vscode/l10n';
import type * as vscode from 'vscode';
import { type UserInput } from '../../platform/userInput';
import { isGoBack } from '../../shared/cancel';
import { runWizard, type StepPosition, type WizardStep } from '../../wizard/engine';
import type { DiskInfo } from '../../shared/types';
import { accessChoices, durationChoices, formatChoices, parseDuration, shouldPrompt, STEP_ORDER, type GrantContext, type StepId } from './steps';

type Item<T> = vscode.QuickPickItem & { value: T };

const CUSTOM = -1;

async function promptStep(id: StepId, ctx: GrantContext, ui: UserInput, pos: StepPosition): Promise<void> {
    const common = { title: pos.title, step: pos.step, totalSteps: pos.totalSteps, ignoreFocusOut: true };
    switch (id) {
        case 'access': {
            const items: Item<'Read' | 'Write'>[] = accessChoices(ctx.disk).map((a, i) => ({
                label: a === 'Read' ? l10n.t('Read') : l10n.t('Write'),
                description: a === 'Read' ? l10n.t('download or copy the disk') : l10n.t('upload a VHD into the disk'),
                picked: i === 0,
                value: a,
            }));
            ctx.access = (await ui.showQuickPick(items, { ...common, placeHolder: l10n.t('Access level') })).value;
            return;
        }
        case 'duration': {
            for (;;) {
                const items: Item<number>[] = [
                    ...durationChoices().map((c) => ({ label: c.label, value: c.seconds })),
                    { label: l10n.t('Custom…'), description: l10n.t('e.g. 90m, 36h, 2d, or seconds'), value: CUSTOM },
                ];
                const picked = (await ui.showQuickPick(items, { ...common, placeHolder: l10n.t('How long should the access last? (the SAS expires after this)') })).value;
                if (picked !== CUSTOM) {
                    ctx.durationInSeconds = picked;
                    return;
                }
                try {
                    const text = await ui.showInputBox({
                        ...common,
                        prompt: l10n.t('Duration of the access: e.g. 90m, 36h, 2d, or a number of seconds (1 second to 60 days)'),
                        placeHolder: '36h',
                        validateInput: (v) => {
                            const r = parseDuration(v);
                            return 'error' in r ? r.error : undefined;
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
                { label: l10n.t('Yes, include VM guest state'), description: l10n.t('also VM metadata when the disk has it'), picked: true, value: true },
                { label: l10n.t('No, disk only'), value: false },
            ];
            ctx.getSecureVMGuestStateSAS = (await ui.showQuickPick(items, { ...common, placeHolder: l10n.t('Include VM guest state (and VM metadata) SAS?') })).value;
            return;
        }
        case 'format': {
            // A disk of 4096-byte sectors is exported as VHDX only: the one choice says why.
            const only = formatChoices(ctx.disk).length === 1;
            const items: Item<'VHD' | 'VHDX'>[] = formatChoices(ctx.disk).map((f, i) => ({
                label: f,
                description: f === 'VHD' ? l10n.t('fixed VHD, what Azure disks are made from') : only ? l10n.t('the only format Azure exports for a disk of 4096-byte sectors') : l10n.t('smaller download for Hyper-V'),
                picked: i === 0,
                value: f,
            }));
            ctx.fileFormat = (await ui.showQuickPick(items, { ...common, placeHolder: ctx.disk.kind === 'diskRestorePoint' ? l10n.t('File format of the disk restore point') : l10n.t('File format of the snapshot') })).value;
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
export function grantSteps<C extends GrantWizardContext>(applies: (c: C) => boolean = () => true): WizardStep<C>[] {
    return STEP_ORDER.map((id) => ({
        id,
        shouldPrompt: (c) => applies(c) && (c.disk ? shouldPrompt(id, c as GrantContext) : id === 'duration' && c.durationInSeconds === undefined),
        prompt: (c, input, pos) => promptStep(id, c as GrantContext, input, pos),
        clear: (c) => {
            delete c[ANSWER[id]];
        },
    }));
}

/** The wizard's title; for a disk that can only be read it says why Write is not asked. */
export function grantTitle(disk: DiskInfo): string {
    if (accessChoices(disk).length > 1) return l10n.t('Grant access to {0}', disk.name);
    // Why Write is not asked, said only where a user could expect it: an ordinary disk. A snapshot,
    // a restore point or a confidential VM's disk is never written through a grant.
    return disk.kind === 'disk' && !disk.securityType
        ? l10n.t('Grant read access to {0} (write access is only for a disk created for upload)', disk.name)
        : l10n.t('Grant read access to {0}', disk.name);
}

/** Asks what `ctx` does not already say; fills it in. */
export async function runGrantWizard(ctx: GrantContext, ui: UserInput): Promise<GrantContext> {
    return runWizard(ctx, grantSteps<GrantContext>(), ui, (c) => grantTitle(c.disk));
}
