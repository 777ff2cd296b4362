/** Sign In, Select Subscriptions…, Refresh, Show Log, and the tree's Retry/Load more. */
import * as vscode from 'vscode';
import { StateKey } from '../constants';
import type { DiskInfo, SubscriptionInfo } from '../azure/types';
import { DiskNode, isActionNode } from '../tree/nodes';
import { refOf } from './diskArg';
import { selectedSubscriptions } from '../tree/treeProvider';
import type { Core } from './core';
import type { ActionContext } from './wrapper';

export async function signIn(core: Core, actx: ActionContext): Promise<void> {
    const session = await core.sessions.get();
    actx.telemetry.properties.method = session.method;
    actx.telemetry.properties.cloud = session.cloud.name;
    actx.errorContext = { operation: 'signIn' };
    await core.sessions.signIn();
    core.tree.refresh();
}

export async function selectSubscriptions(core: Core, actx: ActionContext): Promise<SubscriptionInfo[]> {
    const { services } = core;
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
    core.tree.refresh();
    return picked.map((p) => p.value);
}

export async function refresh(core: Core, _actx: ActionContext, node?: unknown): Promise<void> {
    const disk = (node as { disk?: DiskInfo } | undefined)?.disk;
    if (node instanceof DiskNode && disk) core.tree.updateDisk(await core.services.disks.getDisk(refOf(disk)));
    else if (node && typeof node === 'object' && 'id' in node) core.tree.reload(node as Parameters<typeof core.tree.reload>[0]);
    else core.tree.refresh();
}

export async function retryLoad(core: Core, _actx: ActionContext, node?: unknown): Promise<void> {
    if (isActionNode(node)) node.run();
    else core.tree.refresh();
}

export async function showLog(core: Core): Promise<void> {
    core.services.log.show();
}
