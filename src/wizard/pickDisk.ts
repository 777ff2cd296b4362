/** Palette use: subscription → resource group → disk or snapshot, through services.ui. */
import * as vscode from 'vscode';
import type { DiskInfo, ResourceGroupInfo, SubscriptionInfo } from '../shared/types';
import { GoBackError } from '../shared/cancel';
import { type Services } from '../platform/services';
import { diskDescription } from '../tree/presentation';
import { selectedSubscriptions } from '../tree/treeProvider';
import { DiskError } from '../shared/errors';
import { isGoBack } from '../shared/cancel';

type Item<T> = vscode.QuickPickItem & { value: T };

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
}

export async function pickDisk(services: Services, opts: { filter?: (d: DiskInfo) => boolean; placeHolder?: string } = {}): Promise<DiskInfo> {
    const title = opts.placeHolder ?? vscode.l10n.t('Select a disk or snapshot');
    const all = await services.disks.listSubscriptions();
    const selected = selectedSubscriptions(services.context, all);
    const subs = selected.length ? selected : all;
    if (subs.length === 0) throw new DiskError('NotFound', vscode.l10n.t('No Azure subscriptions were found for this account.'), vscode.l10n.t('Sign in with another account, or check the Azure Disks: Select Subscriptions… choice.'));
    const multiTenant = new Set(subs.map((s) => s.tenantId)).size > 1;
    let step = 1;
    let sub: SubscriptionInfo | undefined;
    let rg: ResourceGroupInfo | undefined;
    for (;;) {
        try {
            if (step === 1) {
                if (subs.length === 1) {
                    sub = subs[0];
                } else {
                    const items: Item<SubscriptionInfo>[] = subs
                        .sort((a, b) => a.displayName.localeCompare(b.displayName))
                        .map((s) => ({ label: s.displayName, description: multiTenant ? s.tenantId : undefined, detail: s.subscriptionId, value: s }));
                    sub = (await services.ui.showQuickPick(items, { title, placeHolder: vscode.l10n.t('Select a subscription'), step: 1, totalSteps: 3, ignoreFocusOut: true })).value;
                }
                step = 2;
            } else if (step === 2) {
                const groups = collect(services.disks.listResourceGroups(sub!)).then((list): Item<ResourceGroupInfo | undefined>[] =>
                    list.length === 0
                        ? [{ label: vscode.l10n.t('No resource groups in this subscription'), value: undefined }]
                        : list.sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({ label: r.name, description: r.location, value: r })),
                );
                rg = (await services.ui.showQuickPick(groups, { title, placeHolder: vscode.l10n.t('Select a resource group'), step: 2, totalSteps: 3, ignoreFocusOut: true })).value;
                if (!rg) throw new GoBackError();
                step = 3;
            } else {
                const disks = collect(services.disks.listDisks(rg!)).then((list) => {
                    const shown = list.filter((d) => !opts.filter || opts.filter(d)).sort((a, b) => a.name.localeCompare(b.name));
                    if (shown.length === 0) return [{ label: vscode.l10n.t('No matching disks or snapshots in this resource group'), value: undefined }] as Item<DiskInfo | undefined>[];
                    return shown.map((d): Item<DiskInfo | undefined> => ({ label: d.name, description: `${d.kind === 'snapshot' ? 'snapshot' : 'disk'} · ${diskDescription(d)}`, value: d }));
                });
                const picked = (await services.ui.showQuickPick(disks, { title, placeHolder: vscode.l10n.t('Select a disk or snapshot'), step: 3, totalSteps: 3, ignoreFocusOut: true })).value;
                if (!picked) throw new GoBackError();
                return picked;
            }
        } catch (e) {
            if (!isGoBack(e)) throw e;
            // Back from the first prompt shown stays there.
            step = Math.max(step - 1, subs.length > 1 ? 1 : 2);
        }
    }
}
