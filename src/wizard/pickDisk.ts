/** Palette use: subscription → resource group → disk or snapshot, through services.ui. */
import * as vscode from 'vscode';
import type { DiskInfo, ResourceGroupInfo, SubscriptionInfo } from '../shared/types';
import { GoBackError } from '../shared/cancel';
import { runWizard, type WizardStep } from './engine';
import { type Services } from '../platform/services';
import { diskDescription } from '../tree/presentation';
import { selectedSubscriptions } from '../tree/treeProvider';
import { DiskError } from '../shared/errors';

type Item<T> = vscode.QuickPickItem & { value: T };

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
}

export interface PickContext {
    subs: SubscriptionInfo[];
    sub?: SubscriptionInfo;
    rg?: ResourceGroupInfo;
    disk?: DiskInfo;
}

export interface PickOptions {
    filter?: (d: DiskInfo) => boolean;
    placeHolder?: string;
}

export interface DiskPicker {
    title: string;
    initial: PickContext;
    /** subscription → resource group → disk; another wizard's steps may follow them in one run. */
    steps: WizardStep<PickContext>[];
}

/** The picker's steps and starting context, for a wizard that continues after the disk is chosen. */
export async function diskPicker(services: Services, opts: PickOptions = {}): Promise<DiskPicker> {
    const title = opts.placeHolder ?? vscode.l10n.t('Select a disk or snapshot');
    const all = await services.disks.listSubscriptions();
    const selected = selectedSubscriptions(services.context, all);
    const subs = selected.length ? selected : all;
    if (subs.length === 0) throw new DiskError('NotFound', vscode.l10n.t('No Azure subscriptions were found for this account.'), vscode.l10n.t('Sign in with another account, or check the Azure Disks: Select Subscriptions… choice.'));
    const multiTenant = new Set(subs.map((s) => s.tenantId)).size > 1;
    const tenantNames = multiTenant ? await tenantNamesOf(services) : new Map<string, string>();
    const steps: WizardStep<PickContext>[] = [
        {
            id: 'subscription',
            shouldPrompt: (c) => !c.sub,
            prompt: async (c, ui, pos) => {
                // The names the tree shows; the ids only as detail, for telling two alike apart.
                const items: Item<SubscriptionInfo>[] = c.subs
                    .sort((a, b) => a.displayName.localeCompare(b.displayName))
                    .map((s) => ({ label: s.displayName, description: multiTenant ? (tenantNames.get(s.tenantId) ?? s.tenantId) : undefined, detail: s.subscriptionId, value: s }));
                c.sub = (await ui.showQuickPick(items, { ...pos, placeHolder: vscode.l10n.t('Select a subscription'), ignoreFocusOut: true, matchOnDescription: true })).value;
            },
            // With one subscription there is nothing to go back to.
            clear: (c) => (c.sub = c.subs.length === 1 ? c.sub : undefined),
        },
        {
            id: 'resourceGroup',
            shouldPrompt: (c) => !c.rg,
            prompt: async (c, ui, pos) => {
                const groups = collect(services.disks.listResourceGroups(c.sub!)).then((list): Item<ResourceGroupInfo | undefined>[] =>
                    list.length === 0
                        ? [{ label: vscode.l10n.t('No resource groups in this subscription'), value: undefined }]
                        : list.sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({ label: r.name, description: r.location, value: r })),
                );
                const rg = (await ui.showQuickPick(groups, { ...pos, placeHolder: vscode.l10n.t('Select a resource group'), ignoreFocusOut: true })).value;
                if (!rg) throw new GoBackError();
                c.rg = rg;
            },
            clear: (c) => (c.rg = undefined),
        },
        {
            id: 'disk',
            shouldPrompt: (c) => !c.disk,
            prompt: async (c, ui, pos) => {
                const disks = collect(services.disks.listDisks(c.rg!)).then((list) => {
                    const shown = list.filter((d) => !opts.filter || opts.filter(d)).sort((a, b) => a.name.localeCompare(b.name));
                    if (shown.length === 0) return [{ label: vscode.l10n.t('No matching disks or snapshots in this resource group'), value: undefined }] as Item<DiskInfo | undefined>[];
                    return shown.map((d): Item<DiskInfo | undefined> => ({ label: d.name, description: `${d.kind === 'snapshot' ? vscode.l10n.t('snapshot') : vscode.l10n.t('disk')} · ${diskDescription(d)}`, value: d }));
                });
                const picked = (await ui.showQuickPick(disks, { ...pos, placeHolder: vscode.l10n.t('Select a disk or snapshot'), ignoreFocusOut: true })).value;
                if (!picked) throw new GoBackError();
                c.disk = picked;
            },
            clear: (c) => (c.disk = undefined),
        },
    ];
    return { title, initial: { subs, sub: subs.length === 1 ? subs[0] : undefined }, steps };
}

async function tenantNamesOf(services: Services): Promise<Map<string, string>> {
    try {
        return new Map((await services.disks.listTenants()).map((t) => [t.tenantId, t.displayName ?? t.tenantId]));
    } catch {
        return new Map(); // the ids are labels enough
    }
}

export async function pickDisk(services: Services, opts: PickOptions = {}): Promise<DiskInfo> {
    const picker = await diskPicker(services, opts);
    const ctx = await runWizard<PickContext>(picker.initial, picker.steps, services.ui, picker.title);
    return ctx.disk!;
}

/** Subscription (skipped when there is one) and resource group: where to create something new. */
export async function pickResourceGroup(services: Services, title: string): Promise<ResourceGroupInfo> {
    const picker = await diskPicker(services);
    const ctx = await runWizard<PickContext>(picker.initial, picker.steps.slice(0, 2), services.ui, title);
    return ctx.rg!;
}
