/**
 * Restore points in the tree, as Azure groups them: a resource group's restore point collections
 * (one per VM), their VM restore points, and each one's disk restore points (disk rows).
 */
import * as vscode from 'vscode';
import type { DiskInfo, RestorePointCollectionInfo, RestorePointInfo } from '../shared/types';
import { DiskNode, PagedNode, type TreeHost, type TreeNode } from './paged';

function when(d: Date | undefined): string | undefined {
    return d ? d.toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : undefined;
}

export class RestorePointCollectionNode extends PagedNode<RestorePointInfo> {
    constructor(
        host: TreeHost,
        readonly collection: RestorePointCollectionInfo,
        parent: TreeNode,
    ) {
        super(`${collection.tenantId}/${collection.id}`.toLowerCase(), host, parent, 100);
    }
    getTreeItem(): vscode.TreeItem {
        const c = this.collection;
        const item = new vscode.TreeItem(c.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = this.id;
        item.description = c.sourceVm ? vscode.l10n.t('restore points of {0}', c.sourceVm) : vscode.l10n.t('restore points');
        item.tooltip = [vscode.l10n.t('Restore point collection: {0}', c.name), c.sourceVm ? vscode.l10n.t('VM: {0}', c.sourceVm) : undefined, c.location].filter(Boolean).join('\n');
        item.iconPath = new vscode.ThemeIcon('archive');
        item.contextValue = 'azureRestorePointCollection;';
        return item;
    }
    protected async *source(signal: AbortSignal): AsyncIterable<RestorePointInfo> {
        // Azure hands a collection's restore points out only inside the collection: one call.
        yield* await this.host.services.disks.listRestorePoints(this.collection, signal);
    }
    protected toNode(point: RestorePointInfo): TreeNode {
        return new RestorePointNode(this.host, point, this);
    }
    protected emptyLabel(): string {
        return vscode.l10n.t('No restore points');
    }
}

export class RestorePointNode extends PagedNode<DiskInfo> {
    constructor(
        host: TreeHost,
        readonly point: RestorePointInfo,
        parent: TreeNode,
    ) {
        super(`${point.tenantId}/${point.id}`.toLowerCase(), host, parent, 100);
    }
    getTreeItem(): vscode.TreeItem {
        const p = this.point;
        const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = this.id;
        const disks = p.diskCount === undefined ? undefined : p.diskCount === 1 ? vscode.l10n.t('1 disk') : vscode.l10n.t('{0} disks', p.diskCount);
        const state = p.provisioningState && p.provisioningState !== 'Succeeded' ? p.provisioningState : undefined;
        item.description = [when(p.timeCreated), disks, state].filter(Boolean).join(' · ');
        item.tooltip = [vscode.l10n.t('Restore point: {0}', p.name), p.timeCreated ? vscode.l10n.t('Created: {0}', when(p.timeCreated)!) : undefined, disks].filter(Boolean).join('\n');
        item.iconPath = new vscode.ThemeIcon('history');
        item.contextValue = 'azureRestorePoint;';
        return item;
    }
    protected source(signal: AbortSignal): AsyncIterable<DiskInfo> {
        return this.host.services.disks.listDiskRestorePoints(this.point, signal);
    }
    protected toNode(disk: DiskInfo): TreeNode {
        const node = new DiskNode(this.host, disk, this);
        this.host.registerDisk(node);
        return node;
    }
    protected emptyLabel(): string {
        return vscode.l10n.t('No disk restore points');
    }
    protected sort(nodes: TreeNode[]): TreeNode[] {
        return nodes.sort((a, b) => ((a as DiskNode).disk?.name ?? '~').localeCompare((b as DiskNode).disk?.name ?? '~'));
    }
}
