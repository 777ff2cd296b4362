/** Create Disk from Image… (a resource group, or the palette), Upload to Azure Managed Disk… (an image file in the Explorer), Upload… (a disk waiting for one). */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext, Register } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';
import { Cmd, StateKey } from '../../shared/constants';
import type { ResourceGroupInfo } from '../../shared/types';
import { refFromArg } from '../../wizard/diskArg';
import { pickResourceGroup } from '../../wizard/pickDisk';
import { checkEndedUploads } from './ended';
import { continueUpload, uploadToDisk } from './run';
import { withSecurityData } from './steps';
import { describePlan, runUploadWizard, type UploadPlan } from './wizard';

function rgOf(arg: unknown): ResourceGroupInfo | undefined {
    const rg = (arg as { rg?: ResourceGroupInfo } | undefined)?.rg;
    return rg && typeof rg.name === 'string' && typeof rg.subscriptionId === 'string' ? rg : undefined;
}

/** Regions to offer: the group's own first, then those of the subscription's other groups. */
async function locationsFor(ctx: AppContext, rg: ResourceGroupInfo): Promise<string[]> {
    const seen = new Set<string>([rg.location]);
    try {
        for await (const g of ctx.services.disks.listResourceGroups({ tenantId: rg.tenantId, subscriptionId: rg.subscriptionId, displayName: '' })) seen.add(g.location);
    } catch {
        // The group's own region is enough to go on.
    }
    return [...seen].filter((l) => l);
}

export async function createDiskFromImage(ctx: AppContext, actx: ActionContext, target: unknown, imagePath?: string): Promise<unknown> {
    const rg = rgOf(target) ?? (await pickResourceGroup(ctx.services, vscode.l10n.t('Create the disk in which resource group?')));
    const state = ctx.services.context.globalState;
    const asked = { rg, imagePath, locations: await locationsFor(ctx, rg), folder: state.get<string>(StateKey.ImageFolder) } as UploadPlan;
    let plan;
    try {
        plan = await runUploadWizard(asked, ctx.services.ui);
    } finally {
        // Remembered even when the wizard ends without a disk: the next try opens where this one looked.
        if (asked.folder) await state.update(StateKey.ImageFolder, asked.folder);
    }
    actx.telemetry.properties.format = plan.image.format;
    actx.telemetry.properties.security = plan.securityType && plan.securityType !== 'none' ? plan.securityType : 'none';
    actx.telemetry.measurements.blobSize = plan.image.blobSize;
    actx.errorContext = { diskName: plan.name };
    const secure = withSecurityData(plan);
    ctx.services.log.info(`Creating ${describePlan(plan)}${secure ? ' with its VM guest state' : ''}.`);
    const disk = await withCancellableProgress(vscode.l10n.t('Creating disk {0} for upload…', plan.name), 'create', (signal) =>
        ctx.services.disks.createForUpload(
            rg,
            {
                name: plan.name,
                createOption: secure ? 'UploadPreparedSecure' : 'Upload',
                location: plan.location,
                sku: plan.sku,
                osType: plan.osType && plan.osType !== 'none' ? plan.osType : undefined,
                hyperVGeneration: plan.osType && plan.osType !== 'none' ? plan.hyperVGeneration : undefined,
                securityType: plan.securityType && plan.securityType !== 'none' ? plan.securityType : undefined,
                uploadSizeBytes: plan.image.blobSize,
            },
            signal,
        ),
    );
    ctx.tree.refresh();
    const files = { disk: plan.image.path, ...(secure && plan.vmgsPath ? { vmgs: plan.vmgsPath } : {}), ...(secure && plan.vmmdPath ? { vmmd: plan.vmmdPath } : {}) };
    const results = await uploadToDisk(ctx, actx, disk, files);
    ctx.tree.refresh();
    return results;
}

export function registerUpload(ctx: AppContext, register: Register): vscode.Disposable[] {
    checkEndedUploads(ctx);
    return [
        register(Cmd.CreateDiskFromImage, (actx, arg) => createDiskFromImage(ctx, actx, arg)),
        register(Cmd.UploadImage, (actx, uri) => createDiskFromImage(ctx, actx, undefined, uri instanceof vscode.Uri ? uri.fsPath : undefined)),
        register(Cmd.UploadToDisk, async (actx, arg) => {
            const ref = refFromArg(arg);
            if (!ref) throw new Error(vscode.l10n.t('Choose a disk waiting for an upload in the Azure Managed Disks view.'));
            return continueUpload(ctx, actx, ref);
        }),
    ];
}
