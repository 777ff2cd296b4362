/** Select Subscriptions…, Refresh, Show Log, and the tree's Retry/Load more. */
import * as vscode from 'vscode';
import { StateKey } from '../../shared/constants';
import type { DiskInfo, SubscriptionInfo } from '../../shared/types';
import { DiskNode, isActionNode } from '../../tree/nodes';
import { refOf } from '../../wizard/diskArg';
import { selectedSubscriptions } from '../../tree/treeProvider';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';

export async function selectSubscriptions(ctx: AppContext, actx: ActionContext): Promise<SubscriptionInfo[]> {
    const { services } = ctx;
    const all = await services.disks.listSubscriptions();
    const current = new Set(selectedSubscriptions(services.context, all).map((s) => s.subscriptionId.toLowerCase()));
    const multiTenant = new Set(all.map((s) => s.tenantId)).size > 1;
    const items = all
        .sort((a, b) => a.displayName.localeCompare(b.displayName))
        .map((s) => ({ label: s.displayName, description: multiTenant ? vscode.l10n.t('tenant {0}', s.tenantId) : undefined, detail: s.subscriptionId, picked: current.has(s.subscriptionId.toLowerCase()), value: s }));
    const picked = await services.ui.showQuickPick(items, { canPickMany: true, placeHolder: vscode.l10n.t('Select the subscriptions to show'), ignoreFocusOut: true });
    const ids = picked.map((p) => p.value.subscriptionId);
    await services.context.globalState.update(StateKey.SelectedSubscriptions, ids);
    actx.telemetry.measurements.selected = ids.length;
    actx.telemetry.measurements.available = all.length;
    ctx.tree.refresh();
    return picked.map((p) => p.value);
}

export async function refresh(ctx: AppContext, _actx: ActionContext, node?: unknown): Promise<void> {
    const disk = (node as { disk?: DiskInfo } | undefined)?.disk;
    if (node instanceof DiskNode && disk) ctx.tree.updateDisk(await ctx.services.disks.getDisk(refOf(disk)));
    else if (node && typeof node === 'object' && 'id' in node) ctx.tree.reload(node as Parameters<typeof ctx.tree.reload>[0]);
    else ctx.tree.refresh();
}

export async function retryLoad(ctx: AppContext, _actx: ActionContext, node?: unknown): Promise<void> {
    if (isActionNode(node)) node.run();
    else ctx.tree.refresh();
}

/** The extension's settings, without having to know what to search for. */
export async function openSettings(): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:azure-disks-tools.azure-managed-disks');
}

export async function showLog(ctx: AppContext): Promise<void> {
    ctx.services.log.show();
}
