/** The "Azure Managed Disks" view: subscriptions → resource groups → disks, snapshots and restore point collections → restore points → disk restore points. */
import * as vscode from 'vscode';
import { Cmd, StateKey } from '../shared/constants';
import type { Services } from '../platform/services';
import type { SessionManager } from '../azure/sessionManager';
import { describeAccount, signedInAccount } from '../azure/account';
import type { DiskInfo, DiskRef, SubscriptionInfo } from '../shared/types';
import { diskContextValue, diskDescription, diskTooltipLines } from './presentation';
import { DiskNode, ErrorNode, PagedNode, ResourceGroupNode, SubscriptionNode, TenantSignInNode, type TreeHost, type TreeNode } from './nodes';
import { UserCancelledError } from '../shared/cancel';
import { hasActiveSas } from '../shared/diskStates';
import type { DiskNote } from '../shared/diskNotes';
import { formatMapped, mapError } from '../shared/errors';
import { diskNotes, noticeAbout, recheck } from '../platform/notices';
import { markStepDone } from '../platform/walkthrough';

export const ContextKey = {
    SignInState: 'azureDisks.signInState', // 'signedIn' | 'signedOut' | 'error'
    NoSubscriptions: 'azureDisks.noSubscriptions',
} as const;

export class DisksTreeDataProvider implements vscode.TreeDataProvider<TreeNode>, TreeHost, vscode.Disposable {
    private readonly emitter = new vscode.EventEmitter<TreeNode | undefined>();
    readonly onDidChangeTreeData = this.emitter.event;
    private roots?: Promise<TreeNode[]>;
    private readonly diskNodes = new Map<string, DiskNode>();
    private readonly busy = new Map<string, string>();
    private readonly offered = new Set<string>();
    private readonly disposables: vscode.Disposable[] = [this.emitter];
    private view?: vscode.TreeView<TreeNode>;
    /**
     * Rows the user opened, by id. VS Code forgets a row's state once the row is gone (Sign Out
     * empties the tree), so a row that comes back is handed out expanded.
     */
    private readonly expanded: Set<string>;

    constructor(
        readonly services: Services,
        private readonly sessions: SessionManager,
    ) {
        this.expanded = new Set(services.context.globalState.get<string[]>(StateKey.ExpandedRows) ?? []);
        this.disposables.push(
            sessions.onDidChange(() => this.refresh()),
            services.grants.onDidChange((id) => this.refreshDisk(id)),
        );
    }

    /** The view showing this provider: its description names the signed-in account; reveal() selects in it. */
    attachView(view: vscode.TreeView<TreeNode>): void {
        this.view = view;
        this.disposables.push(
            view.onDidExpandElement((e) => this.rememberExpanded(e.element, true)),
            view.onDidCollapseElement((e) => this.rememberExpanded(e.element, false)),
        );
    }

    private rememberExpanded(node: TreeNode, open: boolean): void {
        if (!node.id || open === this.expanded.has(node.id)) return;
        if (open) this.expanded.add(node.id);
        else this.expanded.delete(node.id);
        // The most recent few hundred: enough for any tree a person keeps open.
        void this.services.context.globalState.update(StateKey.ExpandedRows, [...this.expanded].slice(-200));
    }

    private describeView(text: string | undefined): void {
        if (this.view) this.view.description = text;
    }

    getTreeItem(node: TreeNode): vscode.TreeItem {
        const item = node.getTreeItem();
        if (item.id && item.collapsibleState === vscode.TreeItemCollapsibleState.Collapsed && this.expanded.has(item.id)) item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        return item;
    }

    getParent(node: TreeNode): TreeNode | undefined {
        return node.getParent();
    }

    async getChildren(node?: TreeNode): Promise<TreeNode[]> {
        try {
            // VS Code asks for a row's children only when it shows the row open (also when it opened
            // it itself, from its own memory, which fires no expand event): remember it as open.
            if (node) this.rememberExpanded(node, true);
            if (node) return (await node.getChildren?.()) ?? [];
            this.roots ??= this.loadRoots();
            return await this.roots;
        } catch (e) {
            // Never a toast from here: the error shows as a node with Retry.
            this.services.log.warn(`Loading the view failed: ${(e as Error)?.message ?? e}`);
            if (!node) this.roots = undefined;
            return [new ErrorNode(`${node?.id ?? 'root'}/error`, node, e, () => this.refresh(node))];
        }
    }

    private async loadRoots(): Promise<TreeNode[]> {
        let signedIn: boolean;
        try {
            // After Sign Out the view stays signed out until Sign In, whatever credential is still around.
            signedIn = this.services.context.globalState.get<boolean>(StateKey.SignedOut) !== true && (await this.sessions.isSignedIn());
        } catch (e) {
            await setContext(ContextKey.SignInState, 'error');
            this.roots = undefined;
            return [new ErrorNode('root/error', undefined, e, () => this.refresh())];
        }
        await setContext(ContextKey.SignInState, signedIn ? 'signedIn' : 'signedOut');
        if (signedIn) void markStepDone(this.services.context, 'signIn');
        if (!signedIn) {
            this.roots = undefined;
            this.describeView(undefined);
            return [];
        }
        let subs: SubscriptionInfo[];
        try {
            subs = await this.services.disks.listSubscriptions();
        } catch (e) {
            this.roots = undefined;
            return [new ErrorNode('root/error', undefined, e, () => this.refresh())];
        }
        const account = await signedInAccount(await this.sessions.get()).catch(() => undefined);
        const accountLine = account ? vscode.l10n.t('Signed in as {0}', describeAccount(account)) : undefined;
        this.describeView(account?.label);
        const selected = selectedSubscriptions(this.services.context, subs);
        await setContext(ContextKey.NoSubscriptions, selected.length === 0);
        const tenants = new Set(subs.map((s) => s.tenantId));
        const needSignIn = this.services.disks.tenantsNeedingSignIn?.() ?? [];
        let tenantNames = new Map<string, string>();
        if (tenants.size > 1) {
            try {
                tenantNames = new Map((await this.services.disks.listTenants()).map((t) => [t.tenantId, t.displayName ?? t.tenantId]));
            } catch {
                // ids are labels enough
            }
        }
        const rows: TreeNode[] = selected
            .sort((a, b) => a.displayName.localeCompare(b.displayName))
            .map((s) => new SubscriptionNode(this, s, tenants.size > 1 ? (tenantNames.get(s.tenantId) ?? s.tenantId) : undefined, accountLine));
        return [...rows, ...needSignIn.map((t) => new TenantSignInNode(t.tenantId, t.displayName ?? t.tenantId, () => void this.signInToTenant(t.tenantId)))];
    }

    /** The user chose "Sign in to <tenant>": VS Code asks, then the tree reloads with its subscriptions. */
    private async signInToTenant(tenantId: string): Promise<void> {
        try {
            await this.sessions.signInToTenant(tenantId);
            this.services.log.info(`Signed in to tenant ${tenantId}.`);
        } catch (e) {
            if (e instanceof UserCancelledError) return;
            this.services.log.warn(`Signing in to tenant ${tenantId} failed: ${(e as Error)?.message ?? e}`);
            void this.services.ui.showErrorMessage(vscode.l10n.t('Could not sign in to tenant {0}: {1}', tenantId, (e as Error)?.message ?? String(e)));
        }
    }

    /** Redraws a node; without one, reloads everything from Azure. */
    refresh(node?: TreeNode): void {
        if (!node) {
            this.roots = undefined;
            this.diskNodes.clear();
        }
        this.emitter.fire(node);
    }

    /** Reload a parent's children from Azure (Refresh on a subscription or resource group). */
    reload(node?: TreeNode): void {
        if (node instanceof PagedNode) node.reset();
        this.refresh(node);
    }

    /**
     * Reloads the group a new disk is in and selects the disk's row. Resolves false when the row
     * is not shown (its subscription is filtered out, or it is past a "Load more" page).
     */
    async reveal(disk: DiskRef): Promise<boolean> {
        const roots = await this.getChildren();
        const sub = roots.find((n): n is SubscriptionNode => n instanceof SubscriptionNode && n.subscription.subscriptionId.toLowerCase() === disk.subscriptionId.toLowerCase());
        if (!sub) return false;
        const inGroup = (nodes: TreeNode[]) => nodes.find((n): n is ResourceGroupNode => n instanceof ResourceGroupNode && n.rg.name.toLowerCase() === disk.resourceGroup.toLowerCase());
        let rg = inGroup(await this.getChildren(sub));
        if (!rg) {
            this.reload(sub);
            rg = inGroup(await this.getChildren(sub));
            if (!rg) return false;
        }
        this.reload(rg);
        await this.getChildren(rg);
        const node = this.findDisk(disk.id);
        if (!node) return false;
        await this.view?.reveal(node, { select: true, focus: false, expand: false });
        return true;
    }

    registerDisk(node: DiskNode): void {
        this.diskNodes.set(node.disk.id.toLowerCase(), node);
    }

    findDisk(diskId: string): DiskNode | undefined {
        return this.diskNodes.get(diskId.toLowerCase());
    }

    /** Disks the tree has loaded that are in ActiveSAS now. */
    activeSasDisks(): DiskInfo[] {
        return [...this.diskNodes.values()].map((n) => n.disk).filter((d) => hasActiveSas(d));
    }

    notes(): DiskNote[] {
        return diskNotes(this.services).all();
    }

    /** Redraws what shows a note: the disk's row and its group's (whose description counts temporary snapshots). */
    notesChanged(ref: DiskRef): void {
        this.refreshDisk(ref.id);
        // The group row, through any row of it the tree holds (a new snapshot's own may not be loaded yet).
        const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
        const sibling = [...this.diskNodes.values()].find((n) => same(n.disk.subscriptionId, ref.subscriptionId) && same(n.disk.resourceGroup, ref.resourceGroup));
        const group = sibling?.getParent();
        if (group) this.emitter.fire(group);
    }

    busyText(diskId: string): string | undefined {
        return this.busy.get(diskId.toLowerCase());
    }

    /** Shows `text` as the disk's description while `work` runs. */
    async withBusy<T>(diskId: string, text: string, work: () => Promise<T>): Promise<T> {
        const key = diskId.toLowerCase();
        this.busy.set(key, text);
        this.refreshDisk(diskId);
        try {
            return await work();
        } finally {
            this.busy.delete(key);
            this.refreshDisk(diskId);
        }
    }

    /** Replaces a disk row's data (after grant/revoke) and redraws it. */
    updateDisk(disk: DiskInfo): void {
        const node = this.findDisk(disk.id);
        if (node) {
            const same = rowOf(node.disk) === rowOf(disk);
            node.disk = disk;
            // A redraw of the focused row hands the keyboard back to the tree, taking it from a
            // wizard that a context-menu command has just opened: redraw only what changed.
            if (!same) this.emitter.fire(node);
        }
    }

    refreshDisk(diskId: string): void {
        const node = this.findDisk(diskId);
        if (node) this.emitter.fire(node);
    }

    /** Disks left with an active SAS: say so once each, without blocking the tree. */
    disksLoaded(disks: DiskInfo[]): void {
        for (const d of disks) {
            if (!hasActiveSas(d) || d.diskState === 'ActiveUpload' || this.offered.has(d.id.toLowerCase()) || this.services.grants.get(d.id) || this.busyText(d.id)) continue;
            this.offered.add(d.id.toLowerCase());
            const revoke = vscode.l10n.t('Revoke');
            const notice = noticeAbout(d, hasActiveSas);
            void this.services.ui
                .showInformationMessage(vscode.l10n.t('{0} "{1}" has an active SAS (shared access). Revoke it if nobody is using it.', d.kind === 'snapshot' ? vscode.l10n.t('Snapshot') : vscode.l10n.t('Disk'), d.name), revoke)
                .then(
                    async (choice) => {
                        if (choice !== revoke) return;
                        try {
                            await recheck(this.services, notice);
                        } catch (e) {
                            this.services.log.warn(mapError(e).message);
                            void this.services.ui.showErrorMessage(formatMapped(mapError(e)));
                            return;
                        }
                        void vscode.commands.executeCommand(Cmd.RevokeAccess, this.findDisk(d.id) ?? d);
                    },
                    () => undefined,
                );
        }
    }

    dispose(): void {
        this.disposables.forEach((d) => d.dispose());
    }
}

/** What a disk row shows; equal for two reads of an unchanged disk. */
function rowOf(d: DiskInfo): string {
    return [diskDescription(d), diskContextValue(d), ...diskTooltipLines(d)].join('\n');
}

export function setContext(key: string, value: unknown): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', key, value);
}

/** Persisted choice (subscription ids); none persisted means all. */
export function selectedSubscriptions(context: vscode.ExtensionContext, all: SubscriptionInfo[]): SubscriptionInfo[] {
    const saved = context.globalState.get<string[]>(StateKey.SelectedSubscriptions);
    if (!saved) return all;
    const set = new Set(saved.map((s) => s.toLowerCase()));
    return all.filter((s) => set.has(s.subscriptionId.toLowerCase()));
}
