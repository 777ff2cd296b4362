/** The tree's building blocks: the node shape, error / more / empty rows, paged parents, and the disk row. */
import * as vscode from 'vscode';
import { Cmd } from '../shared/constants';
import type { Services } from '../platform/services';
import { formatMapped, mapError } from '../shared/errors';
import type { DiskNote } from '../shared/diskNotes';
import type { DiskInfo } from '../shared/types';
import { Pager } from './pager';
import { diskContextValue, diskDescription, diskIcon, diskTooltipLines } from './presentation';

export interface TreeNode {
    readonly id: string;
    getTreeItem(): vscode.TreeItem;
    getChildren?(): Promise<TreeNode[]>;
    getParent(): TreeNode | undefined;
}

/** What nodes need from the provider. */
export interface TreeHost {
    readonly services: Services;
    refresh(node?: TreeNode): void;
    busyText(diskId: string): string | undefined;
    registerDisk(node: DiskNode): void;
    disksLoaded(disks: DiskInfo[]): void;
    /** What this machine noted about disks beyond their Azure state (an ended upload, a temporary snapshot). */
    notes(): DiskNote[];
}

/** Retry / load more: the target of Cmd.RetryLoad. */
export interface ActionNode extends TreeNode {
    run(): void;
}

export function isActionNode(x: unknown): x is ActionNode {
    return !!x && typeof (x as ActionNode).run === 'function' && typeof (x as ActionNode).id === 'string';
}

export class ErrorNode implements ActionNode {
    constructor(
        readonly id: string,
        private readonly parent: TreeNode | undefined,
        private readonly error: unknown,
        private readonly retry: () => void,
    ) {}
    getTreeItem(): vscode.TreeItem {
        const mapped = mapError(this.error, { operation: 'load' });
        const item = new vscode.TreeItem(vscode.l10n.t('Failed to load: {0}', mapped.message), vscode.TreeItemCollapsibleState.None);
        item.id = this.id;
        item.description = vscode.l10n.t('Click to retry');
        item.tooltip = formatMapped(mapped);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        item.contextValue = 'azureDisksError;';
        item.command = { command: Cmd.RetryLoad, title: vscode.l10n.t('Retry'), arguments: [this] };
        return item;
    }
    getParent(): TreeNode | undefined {
        return this.parent;
    }
    run(): void {
        this.retry();
    }
}

/** "Sign in to <tenant>": a tenant whose subscriptions need the user's own sign-in to it. */
export class TenantSignInNode implements ActionNode {
    constructor(
        readonly tenantId: string,
        private readonly tenantName: string,
        private readonly signIn: () => void,
    ) {}
    get id(): string {
        return `tenant/${this.tenantId}/signIn`;
    }
    getTreeItem(): vscode.TreeItem {
        const item = new vscode.TreeItem(vscode.l10n.t('Sign in to {0}', this.tenantName), vscode.TreeItemCollapsibleState.None);
        item.id = this.id;
        item.description = vscode.l10n.t('to see its subscriptions');
        item.tooltip = vscode.l10n.t('Tenant {0} needs you to sign in to it before its subscriptions show.', this.tenantId);
        item.iconPath = new vscode.ThemeIcon('sign-in');
        item.accessibilityInformation = { label: vscode.l10n.t('Sign in to {0}, to see its subscriptions', this.tenantName) };
        item.contextValue = 'azureDisksTenantSignIn;';
        item.command = { command: Cmd.RetryLoad, title: vscode.l10n.t('Sign In'), arguments: [this] };
        return item;
    }
    getParent(): TreeNode | undefined {
        return undefined;
    }
    run(): void {
        this.signIn();
    }
}

export class MoreNode implements ActionNode {
    constructor(
        readonly id: string,
        private readonly parent: TreeNode,
        private readonly more: () => void,
    ) {}
    getTreeItem(): vscode.TreeItem {
        const item = new vscode.TreeItem(vscode.l10n.t('Load more…'), vscode.TreeItemCollapsibleState.None);
        item.id = this.id;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = 'azureDisksMore;';
        item.command = { command: Cmd.RetryLoad, title: vscode.l10n.t('Load more'), arguments: [this] };
        return item;
    }
    getParent(): TreeNode {
        return this.parent;
    }
    run(): void {
        this.more();
    }
}

/** "No disks, snapshots or restore points": a plain row under an empty parent. */
export class EmptyNode implements TreeNode {
    constructor(
        readonly id: string,
        private readonly parent: TreeNode,
        private readonly label: string,
    ) {}
    getTreeItem(): vscode.TreeItem {
        const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
        item.id = this.id;
        item.contextValue = 'azureDisksEmpty;';
        return item;
    }
    getParent(): TreeNode {
        return this.parent;
    }
}

/** A parent whose children come from an async iterable, one page at a time. */
export abstract class PagedNode<T> implements TreeNode {
    private readonly pager: Pager<T>;
    private nodes: TreeNode[] = [];

    constructor(
        readonly id: string,
        protected readonly host: TreeHost,
        private readonly parent: TreeNode | undefined,
        pageSize: number,
    ) {
        this.pager = new Pager((signal) => this.source(signal), pageSize);
    }

    abstract getTreeItem(): vscode.TreeItem;
    protected abstract source(signal: AbortSignal): AsyncIterable<T>;
    protected abstract toNode(item: T): TreeNode;
    protected pageLoaded(_page: T[]): void {}
    protected sort(nodes: TreeNode[]): TreeNode[] {
        return nodes;
    }
    /** The row shown when the parent has no children at all (an expanded row with nothing under it says nothing). */
    protected emptyLabel(): string | undefined {
        return undefined;
    }

    getParent(): TreeNode | undefined {
        return this.parent;
    }

    /** Forget everything: the next expansion loads from the start. */
    reset(): void {
        this.pager.reset();
        this.nodes = [];
    }

    async getChildren(): Promise<TreeNode[]> {
        if (!this.pager.started) await this.loadPage();
        else await this.pager.idle();
        const out = this.sort([...this.nodes]);
        if (this.pager.error !== undefined) {
            this.host.services.log.warn(`Loading ${this.id} failed: ${(this.pager.error as Error)?.message ?? this.pager.error}`);
            // A failed iterator is finished: Retry starts over.
            out.push(new ErrorNode(`${this.id}/error`, this, this.pager.error, () => {
                this.reset();
                this.host.refresh(this);
            }));
        } else if (!this.pager.done) {
            out.push(new MoreNode(`${this.id}/more`, this, () => void this.loadPage().then(() => this.host.refresh(this))));
        } else if (out.length === 0 && this.emptyLabel()) {
            out.push(new EmptyNode(`${this.id}/empty`, this, this.emptyLabel()!));
        }
        return out;
    }

    private pageLoad?: Promise<void>;

    /** One page into nodes; a second caller while it runs shares it (no duplicate rows). */
    private loadPage(): Promise<void> {
        this.pageLoad ??= (async () => {
            const before = this.pager.items.length;
            await this.pager.next();
            const page = this.pager.items.slice(before);
            if (page.length === 0) return;
            this.nodes.push(...page.map((i) => this.toNode(i)));
            this.pageLoaded(page);
        })().finally(() => (this.pageLoad = undefined));
        return this.pageLoad;
    }
}

export class DiskNode implements TreeNode {
    readonly id: string;
    constructor(
        private readonly host: TreeHost,
        public disk: DiskInfo,
        private readonly parent: TreeNode,
    ) {
        this.id = `${disk.tenantId}/${disk.id}`.toLowerCase();
    }
    getTreeItem(): vscode.TreeItem {
        const busy = this.host.busyText(this.disk.id);
        const live = !!this.host.services.grants.get(this.disk.id);
        const note = this.host.notes().find((n) => n.ref.id.toLowerCase() === this.disk.id.toLowerCase());
        const item = new vscode.TreeItem(this.disk.name, vscode.TreeItemCollapsibleState.None);
        item.id = this.id;
        item.description = diskDescription(this.disk, busy);
        const tooltip = diskTooltipLines(this.disk);
        if (live) tooltip.push(vscode.l10n.t('Access granted in this window (Show Access to see it)'));
        let icon = diskIcon(this.disk, !!busy);
        if (note && !busy) {
            // Azure shows such a disk like any other: only this machine knows, so the row says it.
            const said = noteWords(note);
            item.description = `${said.label} · ${item.description}`;
            tooltip.push(said.why);
            if (note.kind === 'incompleteUpload') icon = { id: 'warning', color: 'list.warningForeground' };
        }
        item.tooltip = tooltip.join('\n');
        item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
        item.contextValue = diskContextValue(this.disk, { liveGrant: live, busy: !!busy, note: note?.kind });
        return item;
    }
    getParent(): TreeNode {
        return this.parent;
    }
}

/** A note's words on the row (before the description) and in the tooltip. */
export function noteWords(note: DiskNote): { label: string; why: string } {
    const when = new Date(note.at).toLocaleString();
    if (note.kind === 'incompleteUpload') {
        return {
            label: vscode.l10n.t('Incomplete upload'),
            why: note.seenLater
                ? vscode.l10n.t('Incomplete upload: the upload from this machine had not finished when the disk\'s access was revoked elsewhere (noted {0}), which ended it. Unless it was finished from elsewhere, the disk holds only part of the image: do not attach it to a VM; delete it and upload again.', when)
                : vscode.l10n.t('Incomplete upload: access was revoked before the upload finished (noted {0}), which ended it. The disk holds only part of the image and cannot receive the rest (Azure gives it no more write access): do not attach it to a VM; delete it and upload again.', when),
        };
    }
    return {
        label: vscode.l10n.t('Temporary snapshot'),
        why: vscode.l10n.t('Temporary snapshot: made on {0} to export {1}, and nobody said to keep it. It is billed: delete it when it is no longer needed.', when, note.of ?? '?'),
    };
}
