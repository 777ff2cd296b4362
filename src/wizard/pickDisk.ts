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

interface PickContext {
    subs: SubscriptionInfo[];
    sub?: SubscriptionInfo;
    rg?: ResourceGroupInfo;
    disk?: DiskInfo;
}

/** The subscriptions the palette offers: the selected ones, or all when none is selected. */
async function offeredSubscriptions(services: Services): Promise<SubscriptionInfo[]> {
    const all = await services.disks.listSubscriptions();
    const selected = selectedSubscriptions(services.context, all);
    const subs = selected.length ? selected : all;
    if (subs.length === 0) throw new DiskError('NotFound', vscode.l10n.t('No Azure subscriptions were found for this account.'), vscode.l10n.t('Sign in with another account, or check the Azure Disks: Select Subscriptions… choice.'));
    return subs;
}

/** Subscription (skipped when there is one) and resource group steps. */
function groupSteps(services: Services): WizardStep<PickContext>[] {
    return pickSteps(services, {}).slice(0, 2);
}

function pickSteps(services: Services, opts: { filter?: (d: DiskInfo) => boolean }): WizardStep<PickContext>[] {
    const multiTenant = (c: PickContext) => new Set(c.subs.map((s) => s.tenantId)).size > 1;
    return [
        {
            id: 'subscription',
            shouldPrompt: (c) => !c.sub,
            prompt: async (c, ui, pos) => {
                const items: Item<SubscriptionInfo>[] = c.subs
                    .sort((a, b) => a.displayName.localeCompare(b.displayName))
                    .map((s) => ({ label: s.displayName, description: multiTenant(c) ? s.tenantId : undefined, detail: s.subscriptionId, value: s }));
                c.sub = (await ui.showQuickPick(items, { ...pos, placeHolder: vscode.l10n.t('Select a subscription'), ignoreFocusOut: true })).value;
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
                    return shown.map((d): Item<DiskInfo | undefined> => ({ label: d.name, description: `${d.kind === 'snapshot' ? 'snapshot' : 'disk'} · ${diskDescription(d)}`, value: d }));
                });
                const picked = (await ui.showQuickPick(disks, { ...pos, placeHolder: vscode.l10n.t('Select a disk or snapshot'), ignoreFocusOut: true })).value;
                if (!picked) throw new GoBackError();
                c.disk = picked;
            },
            clear: (c) => (c.disk = undefined),
        },
    ];
}

export async function pickDisk(services: Services, opts: { filter?: (d: DiskInfo) => boolean; placeHolder?: string } = {}): Promise<DiskInfo> {
    const subs = await offeredSubscriptions(services);
    const ctx = await runWizard<PickContext>({ subs, sub: subs.length === 1 ? subs[0] : undefined }, pickSteps(services, opts), services.ui, opts.placeHolder ?? vscode.l10n.t('Select a disk or snapshot'));
    return ctx.disk!;
}

export async function pickResourceGroup(services: Services, title: string): Promise<ResourceGroupInfo> {
    const subs = await offeredSubscriptions(services);
    const ctx = await runWizard<PickContext>({ subs, sub: subs.length === 1 ? subs[0] : undefined }, groupSteps(services), services.ui, title);
    return ctx.rg!;
}
