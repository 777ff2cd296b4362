/** The tree's upper levels: subscriptions and their resource groups (disks, snapshots, restore point collections). */
import * as vscode from 'vscode';
import type { DiskInfo, ResourceGroupInfo, RestorePointCollectionInfo, SubscriptionInfo } from '../shared/types';
import { DiskNode, PagedNode, type TreeHost, type TreeNode } from './paged';
import { RestorePointCollectionNode } from './restorePointNodes';

export * from './paged';
export { RestorePointCollectionNode, RestorePointNode } from './restorePointNodes';

export class SubscriptionNode extends PagedNode<ResourceGroupInfo> {
    constructor(
        host: TreeHost,
        readonly subscription: SubscriptionInfo,
        private readonly tenantLabel: string | undefined,
        /** "Signed in as …, through …": which account and method the view uses. */
        private readonly accountLine?: string,
    ) {
        super(`${subscription.tenantId}/subscriptions/${subscription.subscriptionId}`.toLowerCase(), host, undefined, 50);
    }
    getTreeItem(): vscode.TreeItem {
        const item = new vscode.TreeItem(this.subscription.displayName, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = this.id;
        item.description = this.tenantLabel;
        // The name first: two subscriptions of one tenant must not read the same to a screen reader.
        const spoken = this.tenantLabel
            ? vscode.l10n.t('{0}, subscription in tenant {1}', this.subscription.displayName, this.tenantLabel)
            : vscode.l10n.t('{0}, subscription', this.subscription.displayName);
        item.tooltip = this.accountLine ? `${spoken}\n${this.accountLine}` : spoken;
        item.accessibilityInformation = { label: spoken };
        item.iconPath = new vscode.ThemeIcon('key');
        item.contextValue = 'azureSubscription;';
        return item;
    }
    protected source(signal: AbortSignal): AsyncIterable<ResourceGroupInfo> {
        return this.host.services.disks.listResourceGroups(this.subscription, signal);
    }
    protected toNode(rg: ResourceGroupInfo): TreeNode {
        return new ResourceGroupNode(this.host, rg, this);
    }
    protected sort(nodes: TreeNode[]): TreeNode[] {
        return nodes.sort((a, b) => ((a as ResourceGroupNode).rg?.name ?? '').localeCompare((b as ResourceGroupNode).rg?.name ?? ''));
    }
}

/** What a resource group lists: its disks and snapshots, then its VMs' restore point collections. */
type GroupItem = DiskInfo | { collection: RestorePointCollectionInfo };

export class ResourceGroupNode extends PagedNode<GroupItem> {
    constructor(
        host: TreeHost,
        readonly rg: ResourceGroupInfo,
        parent: SubscriptionNode,
    ) {
        super(`${rg.tenantId}/subscriptions/${rg.subscriptionId}/resourceGroups/${rg.name}`.toLowerCase(), host, parent, 100);
    }
    getTreeItem(): vscode.TreeItem {
        const item = new vscode.TreeItem(this.rg.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = this.id;
        item.description = this.rg.location;
        // Snapshots an export made that nobody answered for: said on the group, so they are seen without expanding it.
        const temporary = this.host.notes().filter((n) => n.kind === 'temporarySnapshot' && sameGroup(n.ref, this.rg));
        if (temporary.length) {
            item.description = `${this.rg.location} · ${temporary.length === 1 ? vscode.l10n.t('1 temporary snapshot') : vscode.l10n.t('{0} temporary snapshots', temporary.length)}`;
            item.tooltip = vscode.l10n.t('Made by Export a Snapshot, and nobody said to delete or keep them: {0}. They are billed: delete them when no longer needed.', temporary.map((n) => n.ref.name).join(', '));
        }
        item.iconPath = new vscode.ThemeIcon('symbol-folder');
        item.contextValue = 'azureResourceGroup;';
        return item;
    }
    protected async *source(signal: AbortSignal): AsyncIterable<GroupItem> {
        yield* this.host.services.disks.listDisks(this.rg, signal);
        for await (const collection of this.host.services.disks.listRestorePointCollections(this.rg, signal)) yield { collection };
    }
    protected toNode(item: GroupItem): TreeNode {
        if ('collection' in item) return new RestorePointCollectionNode(this.host, item.collection, this);
        const node = new DiskNode(this.host, item, this);
        this.host.registerDisk(node);
        return node;
    }
    protected pageLoaded(page: GroupItem[]): void {
        this.host.disksLoaded(page.filter((i): i is DiskInfo => !('collection' in i)));
    }
    protected emptyLabel(): string {
        return vscode.l10n.t('No disks, snapshots or restore points');
    }
    protected sort(nodes: TreeNode[]): TreeNode[] {
        // Disks, then snapshots, then restore point collections, each by name.
        const key = (n: TreeNode) => {
            const d = (n as DiskNode).disk;
            if (d) return `${d.kind === 'disk' ? 0 : 1}${d.name.toLowerCase()}`;
            const c = (n as RestorePointCollectionNode).collection;
            return c ? `2${c.name.toLowerCase()}` : '~';
        };
        return nodes.sort((a, b) => key(a).localeCompare(key(b)));
    }
}

function sameGroup(ref: { subscriptionId: string; resourceGroup: string }, rg: ResourceGroupInfo): boolean {
    return ref.subscriptionId.toLowerCase() === rg.subscriptionId.toLowerCase() && ref.resourceGroup.toLowerCase() === rg.name.toLowerCase();
}
