/** Where Copy to… puts the copy: resource group, region, name, and — for an incremental snapshot going to another region — whether Azure copies it (CopyStart). */
import * as vscode from 'vscode';
import type { Services } from '../../platform/services';
import { diskNameProblem, proposeDiskName } from '../../shared/names';
import type { DiskInfo, ResourceGroupInfo } from '../../shared/types';
import { pickResourceGroup } from '../../wizard/pickDisk';

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

export async function askTarget(services: Services, source: DiskInfo): Promise<CopyTarget> {
    const { ui } = services;
    const rg = await pickResourceGroup(services, vscode.l10n.t('Copy {0} into which resource group?', source.name));
    const regions = [...new Set([rg.location, source.location].filter((l) => l))];
    const location = regions.length === 1 ? regions[0] : (await ui.showQuickPick(regions.map((l) => ({ label: l, description: l === rg.location ? vscode.l10n.t('the resource group\'s region') : vscode.l10n.t('the source\'s region') })), { placeHolder: vscode.l10n.t('Region of the copy'), ignoreFocusOut: true })).label;
    let path: CopyTarget['path'] = 'pages';
    if (canCopyStart(source, location)) {
        const items = [
            { label: vscode.l10n.t('Let Azure copy it (incremental snapshot)'), detail: vscode.l10n.t('A new incremental snapshot in {0}; Azure copies the data itself (CopyStart) and reports how far it is.', location), value: 'copyStart' as const },
            { label: vscode.l10n.t('Copy into a new disk'), detail: vscode.l10n.t('A new disk in {0}, written range by range with server-side copies; verified.', location), value: 'pages' as const },
        ];
        path = (await ui.showQuickPick(items, { placeHolder: vscode.l10n.t('How should {0} be copied to {1}?', source.name, location), ignoreFocusOut: true })).value;
    }
    const what = path === 'copyStart' ? vscode.l10n.t('Name of the new snapshot in {0}', rg.name) : vscode.l10n.t('Name of the new disk in {0}', rg.name);
    const name = (await ui.showInputBox({ prompt: what, value: proposeDiskName(source.name, '-copy'), validateInput: (v) => diskNameProblem(v.trim()), ignoreFocusOut: true })).trim();
    return { rg, location, name, path };
}
