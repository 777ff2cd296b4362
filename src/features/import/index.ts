/**
 * Create Disk from Blobs… (a resource group, or the palette): ImportSecure from an OS blob, a VM
 * guest state blob and an optional VM metadata blob of one storage account, into a disk in that
 * account's region. Azure's refusals come back in plain words; a disk Azure left in the Failed
 * state is deleted again, so a refused import leaves nothing behind.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext, Register } from '../../platform/command';
import { withCancellableProgress } from '../../platform/progress';
import { hashId } from '../../platform/telemetryMask';
import { isCancellation } from '../../shared/cancel';
import { Cmd } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { blobName, importRefusal, importRefusalStep, type ImportContext, type ImportStep } from '../../shared/importRules';
import type { DiskInfo, DiskRef, ResourceGroupInfo } from '../../shared/types';
import { AnswerRefused, type WizardRun } from '../../wizard/engine';
import { pickResourceGroup } from '../../wizard/pickDisk';
import type { StorageAccountInfo } from '../../azure/importService';
import { runImportWizard, type ImportPlan } from './wizard';

function rgOf(arg: unknown): ResourceGroupInfo | undefined {
    const rg = (arg as { rg?: ResourceGroupInfo } | undefined)?.rg;
    return rg && typeof rg.name === 'string' && typeof rg.subscriptionId === 'string' ? rg : undefined;
}

function isNotFound(e: unknown): boolean {
    const x = e as { statusCode?: number; code?: string };
    return x?.statusCode === 404 || x?.code === 'ResourceNotFound' || x?.code === 'NotFound';
}

/** A disk of that name already there would turn the PUT into an update: say so before. */
async function assertNameFree(ctx: AppContext, ref: DiskRef): Promise<void> {
    try {
        await ctx.services.disks.getDisk(ref);
    } catch (e) {
        if (isNotFound(e)) return;
        throw e;
    }
    throw new DiskError('ImportNameTaken', vscode.l10n.t('A disk named {0} already exists in {1}.', ref.name, ref.resourceGroup), vscode.l10n.t('Choose another name for the new disk.'));
}

/** After a failed import: a disk Azure left behind in the Failed state is deleted (it holds nothing). */
async function removeFailed(ctx: AppContext, ref: DiskRef): Promise<void> {
    let json: { properties?: { provisioningState?: string } };
    try {
        json = (await ctx.services.disks.getResourceJson(ref)) as typeof json;
    } catch (e) {
        if (!isNotFound(e)) ctx.services.log.warn(`Could not check whether the failed import left disk ${ref.name} behind: ${(e as Error).message}`);
        return;
    }
    if (json.properties?.provisioningState !== 'Failed') return;
    ctx.services.log.info(`The failed import left disk ${ref.name} in the Failed state; deleting it.`);
    try {
        await ctx.services.disks.deleteDisk(ref);
    } catch (e) {
        ctx.services.log.warn(`Could not delete the failed disk ${ref.name}: ${(e as Error).message}. Delete it from the view.`);
    }
}

async function importDisk(ctx: AppContext, plan: ImportPlan): Promise<DiskInfo> {
    const { services } = ctx;
    const rg = plan.rg;
    const ref: DiskRef = {
        tenantId: rg.tenantId, subscriptionId: rg.subscriptionId, resourceGroup: rg.name, name: plan.name, kind: 'disk',
        id: `/subscriptions/${rg.subscriptionId}/resourceGroups/${rg.name}/providers/Microsoft.Compute/disks/${plan.name}`,
    };
    await assertNameFree(ctx, ref);
    const uris = { sourceUri: plan.sourceUri, securityDataUri: plan.securityDataUri, ...(plan.securityMetadataUri ? { securityMetadataUri: plan.securityMetadataUri } : {}) };
    const why: ImportContext = { accountName: plan.account.name, accountLocation: plan.account.location, diskLocation: plan.account.location, securityType: plan.securityType, uris };
    services.log.info(`Importing disk ${plan.name} (${plan.securityType}, ${plan.osType}) in ${rg.name} from storage account ${plan.account.name} (${plan.account.location}): ${Object.values(uris).map(blobName).join(', ')}.`);
    try {
        return await withCancellableProgress(vscode.l10n.t('Creating disk {0} from blobs of {1}…', plan.name, plan.account.name), 'import', (signal) =>
            services.imports.importSecure(rg, { name: plan.name, account: plan.account, osType: plan.osType, securityType: plan.securityType, sku: plan.sku, ...uris }, signal),
        );
    } catch (e) {
        if (isCancellation(e)) {
            services.log.info(`Stopped waiting for disk ${plan.name}; Azure may still finish creating it (Refresh shows it).`);
            throw e;
        }
        await removeFailed(ctx, ref);
        const refusal = importRefusal(e, why);
        if (!refusal) throw e;
        throw new ImportRefused(refusal, importRefusalStep(refusal, e, why));
    }
}

/** Azure's refusal of the import, and the wizard step whose answer it is about (undefined: none to ask again). */
class ImportRefused extends Error {
    constructor(readonly refusal: DiskError, readonly step: ImportStep | undefined) {
        super(refusal.message);
        this.name = 'ImportRefused';
    }
}

/** The import, and after a refusal about one answer, the wizard again at that answer (with why), until it is made or the user stops. */
async function importUntilMade(ctx: AppContext, actx: ActionContext, rg: ResourceGroupInfo, accounts: Promise<StorageAccountInfo[]>): Promise<{ plan: ImportPlan; made: DiskInfo }> {
    const run: WizardRun = {};
    let plan = await runImportWizard(ctx.services, rg, accounts, run);
    for (;;) {
        // What is tried, before it is tried: a refused import is reported with it too.
        actx.telemetry.properties.security = plan.securityType;
        actx.telemetry.properties.sku = plan.sku;
        actx.telemetry.properties.osType = plan.osType;
        actx.telemetry.properties.blobSource = plan.source;
        actx.telemetry.properties.metadataBlob = String(!!plan.securityMetadataUri);
        actx.telemetry.properties.accountIdHash = hashId(plan.account.id);
        actx.errorContext = { diskName: plan.name };
        try {
            return { plan, made: await importDisk(ctx, plan) };
        } catch (e) {
            const refused = e instanceof ImportRefused ? e : undefined;
            const step = refused?.step ?? (e instanceof DiskError && e.code === 'ImportNameTaken' ? 'name' : undefined);
            if (!step) throw refused?.refusal ?? e;
            const reason = AnswerRefused.of(refused?.refusal ?? (e as DiskError)).message;
            ctx.services.log.warn(`${reason} Asking for the ${step} again.`);
            run.refused = { step, reason };
            plan = await runImportWizard(ctx.services, rg, accounts, run, plan);
        }
    }
}

export async function createDiskFromBlobs(ctx: AppContext, actx: ActionContext, target: unknown): Promise<DiskInfo> {
    const { services } = ctx;
    const rg = rgOf(target) ?? (await pickResourceGroup(services, vscode.l10n.t('Create the disk in which resource group?')));
    const accounts = services.imports.listStorageAccounts({ tenantId: rg.tenantId, subscriptionId: rg.subscriptionId, displayName: '' });
    const { plan, made } = await importUntilMade(ctx, actx, rg, accounts);
    const shown = await ctx.tree.reveal(made);
    if (!shown) ctx.tree.refresh();
    void services.ui.showInformationMessage(vscode.l10n.t('Created disk {0} in {1} from {2} blobs of storage account {3}.', made.name, rg.name, plan.securityMetadataUri ? 3 : 2, plan.account.name));
    return made;
}

export function registerImport(ctx: AppContext, register: Register): vscode.Disposable[] {
    return [register(Cmd.CreateDiskFromBlobs, (actx, arg) => createDiskFromBlobs(ctx, actx, arg))];
}
