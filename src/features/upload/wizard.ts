/**
 * Create Disk from Image…: one wizard with Back over UploadAnswers — image, name, location, SKU,
 * OS type, Hyper-V generation, security type, VM guest state and VM metadata files. The image is
 * inspected as soon as it is chosen, so a bad one is refused before any Azure call: the file
 * dialog opens again, where the last image was, with the reason. No vscode import at run time:
 * unit-tested with a scripted UserInput.
 */
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import type * as vscode from 'vscode';
import type { UserInput } from '../../platform/userInput';
import { GoBackError, UserCancelledError } from '../../shared/cancel';
import { DiskError } from '../../shared/errors';
import { formatBytes } from '../../shared/format';
import type { ResourceGroupInfo } from '../../shared/types';
import { inspectImage, ImageError, type ImageInfo } from '../../transfer';
import { AnswerRefused, runWizard, withRefusal, type StepPosition, type WizardStep } from '../../wizard/engine';
import { SECURITY_TYPE_IDS, securityTypeLabel } from '../../shared/securityTypes';
import { diskNameProblem, isConfidential, suggestDiskName, UPLOAD_SKUS, uploadStepApplies, uploadStepMayApply, type UploadAnswers } from './steps';

export interface UploadPlan extends UploadAnswers {
    rg: ResourceGroupInfo;
    /** Locations offered: the group's first, then the others seen in the subscription. */
    locations: string[];
    image?: ImageInfo;
    /** The folder the file dialogs open in: the last image's (kept by the caller across runs), updated on each pick. */
    folder?: string;
}

type Item<T> = vscode.QuickPickItem & { value: T };

async function pick<T>(ui: UserInput, pos: StepPosition, placeHolder: string, items: Item<T>[]): Promise<T> {
    return (await ui.showQuickPick(items, { ...pos, placeHolder: withRefusal(pos, placeHolder), ignoreFocusOut: true })).value;
}

/** Inspects an image (or a guest-state file), turning what is wrong with it into plain words. */
export async function inspectOrRefuse(file: string, kind: 'disk' | 'vmgs' | 'vmmd'): Promise<ImageInfo> {
    try {
        return await inspectImage(file, { kind });
    } catch (e) {
        if (e instanceof ImageError) throw new DiskError(`Image${e.code}`, e.message);
        throw new DiskError('ImageUnreadable', l10n.t('Cannot read {0}: {1}', path.basename(file), e instanceof Error ? e.message : String(e)));
    }
}

/** The file inspected, or the step asked again with what is wrong with it. */
async function inspected(file: string, kind: 'disk' | 'vmgs' | 'vmmd'): Promise<ImageInfo> {
    try {
        return await inspectOrRefuse(file, kind);
    } catch (e) {
        throw e instanceof DiskError ? AnswerRefused.of(e) : e;
    }
}

async function chooseFile(p: UploadPlan, ui: UserInput, pos: StepPosition, title: string, openLabel: string): Promise<string> {
    // A file dialog shows no more than its title: the whole reason goes in a toast beside it too.
    if (pos.refused) void ui.showErrorMessage(pos.refused);
    const picked = await ui.showOpenDialog({ canSelectFiles: true, canSelectFolders: false, canSelectMany: false, openLabel, title: withRefusal(pos, title), defaultFolder: p.folder });
    if (!picked || picked.length === 0) throw new UserCancelledError('file');
    p.folder = path.dirname(picked[0].fsPath);
    return picked[0].fsPath;
}

// Long only because it lists the nine questions one after another; each step is a few lines.
function steps(): WizardStep<UploadPlan>[] {
    const step = (id: keyof UploadAnswers, prompt: WizardStep<UploadPlan>['prompt']): WizardStep<UploadPlan> => ({
        id,
        shouldPrompt: (p) => p[id] === undefined && uploadStepApplies(id, p),
        mayPrompt: (p) => p[id] === undefined && uploadStepMayApply(id, p),
        prompt,
        clear: (p) => {
            delete p[id];
            if (id === 'imagePath') delete p.image;
        },
    });
    return [
        step('imagePath', async (p, ui, pos) => {
            const file = await chooseFile(p, ui, pos, l10n.t('Image to upload (raw, VHD, VHDX or qcow2)'), l10n.t('Upload this image'));
            p.image = await inspected(file, 'disk');
            p.imagePath = file;
        }),
        step('name', async (p, ui, pos) => {
            p.name = (
                await ui.showInputBox({
                    ...pos,
                    prompt: l10n.t('Name of the new disk in {0}', p.rg.name),
                    value: suggestDiskName(path.basename(p.imagePath ?? '')),
                    validateInput: (v) => diskNameProblem(v.trim()),
                    ignoreFocusOut: true,
                })
            ).trim();
        }),
        step('location', async (p, ui, pos) => {
            p.location = await pick(ui, pos, l10n.t('Region of the new disk'), p.locations.map((l, i) => ({ label: l, description: i === 0 ? l10n.t('the resource group\'s region') : undefined, value: l })));
        }),
        step('sku', async (p, ui, pos) => {
            p.sku = await pick(ui, pos, l10n.t('Disk type'), UPLOAD_SKUS.map((s) => ({ label: s.label, description: s.id, value: s.id })));
        }),
        step('osType', async (p, ui, pos) => {
            p.osType = await pick(ui, pos, l10n.t('Operating system on the disk'), [
                { label: l10n.t('None (a data disk)'), value: 'none' as const },
                { label: 'Linux', value: 'Linux' as const },
                { label: 'Windows', value: 'Windows' as const },
            ]);
        }),
        step('hyperVGeneration', async (p, ui, pos) => {
            p.hyperVGeneration = await pick(ui, pos, l10n.t('Hyper-V generation of the VM that will boot it'), [
                { label: l10n.t('Generation 2 (UEFI)'), description: 'V2', value: 'V2' as const },
                { label: l10n.t('Generation 1 (BIOS)'), description: 'V1', value: 'V1' as const },
            ]);
        }),
        step('securityType', async (p, ui, pos) => {
            p.securityType = await pick(ui, pos, l10n.t('Security type'), [
                { label: l10n.t('Standard (no security profile)'), value: 'none' },
                ...SECURITY_TYPE_IDS.map((id) => ({ label: securityTypeLabel(id), description: id, value: id })),
            ]);
        }),
        step('vmgsPath', async (p, ui, asked) => {
            let pos = asked;
            if (!isConfidential(p.securityType)) {
                const upload = await pick(ui, pos, l10n.t('Upload a VM guest state (VMGS) file too?'), [
                    { label: l10n.t('No, only the disk'), value: false },
                    { label: l10n.t('Yes, choose the VM guest state file…'), value: true },
                ]);
                if (!upload) {
                    p.vmgsPath = null;
                    return;
                }
                // The question above showed why the last file was refused: the dialog need not say it again.
                pos = { ...pos, refused: undefined };
            }
            const file = await chooseFile(p, ui, pos, l10n.t('VM guest state (VMGS) file of {0}', p.name ?? ''), l10n.t('Use as VM guest state'));
            await inspected(file, 'vmgs');
            p.vmgsPath = file;
        }),
        step('vmmdPath', async (p, ui, pos) => {
            const upload = await pick(ui, pos, l10n.t('Upload a VM metadata (VMMD) file too?'), [
                { label: l10n.t('No VM metadata'), description: l10n.t('the source has none'), value: false },
                { label: l10n.t('Yes, choose the VM metadata file…'), value: true },
            ]);
            if (!upload) {
                p.vmmdPath = null;
                return;
            }
            // The question above showed why the last file was refused.
            const file = await chooseFile(p, ui, { ...pos, refused: undefined }, l10n.t('VM metadata (VMMD) file of {0}', p.name ?? ''), l10n.t('Use as VM metadata'));
            await inspected(file, 'vmmd');
            p.vmmdPath = file;
        }),
    ];
}

export async function runUploadWizard(plan: UploadPlan, ui: UserInput): Promise<UploadPlan & { image: ImageInfo; name: string; location: string; sku: string }> {
    let refused: string | undefined;
    if (plan.imagePath && !plan.image) {
        // An image handed in (the Explorer's command) that cannot be used: the image step, with why.
        try {
            plan.image = await inspected(plan.imagePath, 'disk');
            plan.folder = path.dirname(plan.imagePath);
        } catch (e) {
            if (!(e instanceof AnswerRefused)) throw e;
            refused = e.message;
        }
    }
    await runWizard(plan, steps(), ui, l10n.t('Create a disk from an image'), refused ? { asked: ['imagePath'], refused: { step: 'imagePath', reason: refused } } : {});
    if (!plan.image || !plan.name || !plan.location || !plan.sku) throw new GoBackError();
    return plan as UploadPlan & { image: ImageInfo; name: string; location: string; sku: string };
}

/** One line for the log and the confirmation: what will be created. */
export function describePlan(p: UploadPlan & { image: ImageInfo }): string {
    return `${p.name}: ${p.image.format} image, ${formatBytes(p.image.virtualSize)} virtual → ${p.image.blobSize} bytes page blob, ${p.sku} in ${p.location}`;
}
