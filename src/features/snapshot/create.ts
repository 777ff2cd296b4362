/**
 * Create Snapshot… on a disk (or a snapshot): a name and full or incremental, then a PUT
 * snapshots/{name} with createOption Copy under a cancellable notification. Works while the disk's
 * VM runs; Azure makes the copy crash-consistent.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';
import { hashId } from '../../platform/telemetryMask';
import type { UserInput } from '../../platform/userInput';
import { DiskError } from '../../shared/errors';
import { diskNameProblem } from '../../shared/names';
import type { DiskInfo } from '../../shared/types';
import { resolveDiskInfo } from '../../wizard/diskArg';
import { runWizard, type WizardStep } from '../../wizard/engine';
import { snapshotReadable, suggestSnapshotName } from './naming';

interface SnapshotAnswers {
    source: DiskInfo;
    name?: string;
    incremental?: boolean;
}

function steps(): WizardStep<SnapshotAnswers>[] {
    return [
        {
            id: 'name',
            shouldPrompt: (a) => a.name === undefined,
            clear: (a) => delete a.name,
            prompt: async (a, ui, pos) => {
                a.name = (
                    await ui.showInputBox({
                        ...pos,
                        prompt: vscode.l10n.t('Name of the snapshot of {0} (in {1})', a.source.name, a.source.resourceGroup),
                        value: suggestSnapshotName(a.source.name, 'snap'),
                        validateInput: (v) => diskNameProblem(v.trim()),
                        ignoreFocusOut: true,
                    })
                ).trim();
            },
        },
        {
            id: 'incremental',
            shouldPrompt: (a) => a.incremental === undefined,
            clear: (a) => delete a.incremental,
            prompt: async (a, ui, pos) => {
                const items = [
                    { label: vscode.l10n.t('Incremental'), detail: vscode.l10n.t('Billed only for what changed since the last snapshot of this disk; downloads and copies like a full one.'), value: true },
                    { label: vscode.l10n.t('Full'), detail: vscode.l10n.t('A complete, independent copy, billed for the whole used size.'), value: false },
                ];
                a.incremental = (await ui.showQuickPick(items, { ...pos, placeHolder: vscode.l10n.t('Kind of snapshot'), ignoreFocusOut: true })).value;
            },
        },
    ];
}

export async function askSnapshot(ui: UserInput, source: DiskInfo, preset: Partial<SnapshotAnswers> = {}): Promise<{ name: string; incremental: boolean }> {
    const a = await runWizard<SnapshotAnswers>({ ...preset, source }, steps(), ui, vscode.l10n.t('Create Snapshot of {0}', source.name));
    return { name: a.name!, incremental: a.incremental! };
}

/** Creates the snapshot and waits until its data can be read; the tree shows it. */
export async function makeSnapshot(ctx: AppContext, source: DiskInfo, snapshot: { name: string; incremental: boolean }): Promise<DiskInfo> {
    const { services, tree } = ctx;
    services.log.info(`Creating ${snapshot.incremental ? 'an incremental' : 'a full'} snapshot ${snapshot.name} of ${source.name}${source.attachedVm ? ` (attached to ${source.attachedVm}, which keeps running)` : ''}.`);
    const made = await tree.withBusy(source.id, vscode.l10n.t('Creating snapshot…'), () =>
        withCancellableProgress(vscode.l10n.t('Creating snapshot {0} of {1}…', snapshot.name, source.name), 'snapshot', async (signal, progress) => {
            let s = await services.disks.createSnapshot(source, snapshot, signal);
            // A Copy snapshot is usually readable at once; one still being filled in says how far it is.
            const deadline = Date.now() + 15 * 60_000;
            while (!snapshotReadable(s)) {
                progress.report({ message: vscode.l10n.t('{0} % copied', s.completionPercent ?? 0) });
                if (Date.now() > deadline) throw new DiskError('TimedOut', vscode.l10n.t('Snapshot {0} was still being copied after 15 minutes.', snapshot.name), vscode.l10n.t('Refresh the view later; the snapshot can be downloaded once it is complete.'));
                await new Promise((r) => setTimeout(r, 2000));
                if (signal.aborted) throw new DiskError('Cancelled', 'cancelled');
                s = await services.disks.getDisk(s, signal);
            }
            return s;
        }),
    );
    tree.refresh();
    return made;
}

export async function createSnapshotCommand(ctx: AppContext, actx: ActionContext, target: unknown): Promise<DiskInfo> {
    const { disk } = await resolveDiskInfo(ctx.services, target, { placeHolder: vscode.l10n.t('Select a disk to snapshot') });
    actx.telemetry.properties.kind = disk.kind;
    actx.telemetry.properties.diskIdHash = hashId(disk.id);
    actx.telemetry.properties.diskState = disk.diskState ?? 'unknown';
    actx.errorContext = { diskName: disk.name };
    const answers = await askSnapshot(ctx.services.ui, disk);
    actx.telemetry.properties.incremental = String(answers.incremental);
    const made = await makeSnapshot(ctx, disk, answers);
    void ctx.services.ui.showInformationMessage(vscode.l10n.t('Created {0} snapshot {1} of {2}.', answers.incremental ? vscode.l10n.t('incremental') : vscode.l10n.t('full'), made.name, disk.name));
    return made;
}
