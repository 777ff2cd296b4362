/**
 * Where Copy to… puts the copy: resource group, region, name, and — for an incremental snapshot
 * going to another region — whether Azure copies it (CopyStart). One wizard with the subscription
 * and group pickers: one title, one count, Back from any question to the one before.
 */
import * as vscode from 'vscode';
import type { Services } from '../../platform/services';
import { diskNameProblem, proposeDiskName } from '../../shared/names';
import type { DiskInfo, ResourceGroupInfo } from '../../shared/types';
import { runWizard, type WizardStep } from '../../wizard/engine';
import { diskPicker, type PickContext } from '../../wizard/pickDisk';

export interface CopyTarget {
    rg: ResourceGroupInfo;
    location: string;
    name: string;
    /** 'copyStart': Azure copies the incremental snapshot into a snapshot in another region; 'pages': a new disk, written range by range. */
    path: 'pages' | 'copyStart';
}

/** CopyStart takes an incremental snapshot into an incremental snapshot of another region. */
export function canCopyStart(source: DiskInfo, location: string): boolean {
    return source.kind === 'snapshot' && source.incremental === true && !!location && location.toLowerCase() !== source.location.toLowerCase();
}

type TargetContext = PickContext & { location?: string; path?: CopyTarget['path']; name?: string };

/** The copy's possible regions: the group's, then the source's (a copy of a disk stays in its region; CopyStart moves a snapshot). */
function regionsOf(c: TargetContext, source: DiskInfo): string[] {
    return [...new Set([c.rg?.location, source.location].filter((l): l is string => !!l))];
}

/** The region chosen, or the only one there is. */
function regionOf(c: TargetContext, source: DiskInfo): string | undefined {
    const regions = regionsOf(c, source);
    return c.location ?? (c.rg && regions.length === 1 ? regions[0] : undefined);
}

function targetSteps(source: DiskInfo): WizardStep<TargetContext>[] {
    return [
        {
            id: 'region',
            shouldPrompt: (c) => !c.location && !!c.rg && regionsOf(c, source).length > 1,
            // Counted until the group is known: it may be in another region.
            mayPrompt: (c) => !c.location && (!c.rg || regionsOf(c, source).length > 1),
            prompt: async (c, ui, pos) => {
                const items = regionsOf(c, source).map((l) => ({ label: l, description: l === c.rg!.location ? vscode.l10n.t('the resource group\'s region') : vscode.l10n.t('the source\'s region') }));
                c.location = (await ui.showQuickPick(items, { ...pos, placeHolder: vscode.l10n.t('Region of the copy'), ignoreFocusOut: true })).label;
            },
            clear: (c) => delete c.location,
        },
        {
            id: 'path',
            shouldPrompt: (c) => !c.path && canCopyStart(source, regionOf(c, source) ?? ''),
            mayPrompt: (c) => !c.path && source.kind === 'snapshot' && source.incremental === true && (regionOf(c, source) === undefined || canCopyStart(source, regionOf(c, source)!)),
            prompt: async (c, ui, pos) => {
                const location = regionOf(c, source)!;
                const items = [
                    { label: vscode.l10n.t('Let Azure copy it (incremental snapshot)'), detail: vscode.l10n.t('A new incremental snapshot in {0}; Azure copies the data itself (CopyStart) and reports how far it is.', location), value: 'copyStart' as const },
                    { label: vscode.l10n.t('Copy into a new disk'), detail: vscode.l10n.t('A new disk in {0}, written range by range with server-side copies; verified.', location), value: 'pages' as const },
                ];
                c.path = (await ui.showQuickPick(items, { ...pos, placeHolder: vscode.l10n.t('How should {0} be copied to {1}?', source.name, location), ignoreFocusOut: true })).value;
            },
            clear: (c) => delete c.path,
        },
        {
            id: 'name',
            shouldPrompt: (c) => c.name === undefined,
            prompt: async (c, ui, pos) => {
                const what = c.path === 'copyStart' ? vscode.l10n.t('Name of the new snapshot in {0}', c.rg!.name) : vscode.l10n.t('Name of the new disk in {0}', c.rg!.name);
                c.name = (await ui.showInputBox({ ...pos, prompt: what, value: proposeDiskName(source.name, '-copy'), validateInput: (v) => diskNameProblem(v.trim()), ignoreFocusOut: true })).trim();
            },
            clear: (c) => delete c.name,
        },
    ];
}

export async function askTarget(services: Services, source: DiskInfo): Promise<CopyTarget> {
    const picker = await diskPicker(services);
    const steps = [...picker.steps.slice(0, 2), ...targetSteps(source)];
    const done = await runWizard<TargetContext>(picker.initial, steps, services.ui, vscode.l10n.t('Copy {0} to…', source.name));
    return { rg: done.rg!, location: regionOf(done, source)!, name: done.name!, path: done.path ?? 'pages' };
}
