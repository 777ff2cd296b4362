/**
 * One access panel per disk: shows the grant's SAS URLs masked, reveals or copies them on request,
 * starts and cancels downloads, revokes. The page never receives a SAS unless the user asks to see it.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { UserCancelledError } from '../../shared/cancel';
import { Cmd } from '../../shared/constants';
import { presetOf, type GrantPreset } from '../../shared/grants';
import type { BlobKind, DiskRef, Grant } from '../../shared/types';
import { diskRefFromId } from '../../shared/diskId';
import { maskSasUrl } from '../../shared/secrets';
import { panelOptions, renderHtml } from './html';
import {
    BLOB_KINDS,
    BLOB_LABELS,
    describeRejected,
    isPageMessage,
    isPersistedPageState,
    type HostMessage,
    type NoGrantReason,
    type PageMessage,
    type StateMessage,
} from '../../shared/accessProtocol';

export const ACCESS_VIEW_TYPE = 'azureDisks.access';

/** The open access panels, one per disk. */
export class AccessPanels {
    private readonly panels = new Map<string, AccessPanel>();

    constructor(private readonly ctx: AppContext) {}

    /** Opens (or brings forward) the panel of a disk; the panels left with nothing to show give way to it. */
    show(ref: DiskRef): void {
        this.closeStale(ref);
        const existing = this.panels.get(ref.id.toLowerCase());
        if (existing) {
            existing.reveal();
            return;
        }
        const panel = vscode.window.createWebviewPanel(ACCESS_VIEW_TYPE, panelTitle(ref), vscode.ViewColumn.Active, panelOptions(this.ctx.services.context.extensionUri));
        this.attach(panel, ref, 'none');
    }

    /** Restores a panel after a window reload from the disk id the page persisted; no SAS is kept across reloads. */
    restore(panel: vscode.WebviewPanel, state: unknown): void {
        const ref = isPersistedPageState(state) ? diskRefFromId(state.diskId, state.tenantId) : undefined;
        if (!ref || this.panels.has(ref.id.toLowerCase())) {
            panel.dispose();
            return;
        }
        panel.webview.options = panelOptions(this.ctx.services.context.extensionUri);
        this.attach(panel, ref, 'reloaded');
    }

    dispose(): void {
        for (const p of [...this.panels.values()]) p.dispose();
        this.panels.clear();
    }

    /**
     * Like VS Code's preview editors, which the next file opened replaces: a tab whose access was
     * revoked (it says so) closes when another disk's tab opens, so a session does not end with a
     * dozen tabs of dead SAS URLs. A tab with a live grant, a running download, or an orphaned
     * grant from before a reload (it offers to revoke it) stays.
     */
    private closeStale(opening: DiskRef): void {
        for (const [key, panel] of [...this.panels]) {
            if (key !== opening.id.toLowerCase() && panel.isStale()) panel.dispose();
        }
    }

    private attach(panel: vscode.WebviewPanel, ref: DiskRef, reason: NoGrantReason): void {
        const key = ref.id.toLowerCase();
        this.panels.set(key, new AccessPanel(this.ctx, panel, ref, reason, () => this.panels.delete(key)));
    }
}

function panelTitle(ref: DiskRef): string {
    return vscode.l10n.t('Access: {0}', ref.name);
}

class AccessPanel {
    private readonly disposables: vscode.Disposable[] = [];
    private ready = false;
    private disposed = false;
    /** Non-secret parameters of the last grant seen, to ask for the same again. */
    private lastPreset: GrantPreset | undefined;
    private hadGrant = false;

    private readonly services: AppContext['services'];

    constructor(
        private readonly ctx: AppContext,
        private readonly panel: vscode.WebviewPanel,
        private readonly ref: DiskRef,
        private noGrantReason: NoGrantReason,
        private readonly onDispose: () => void,
    ) {
        this.services = ctx.services;
        const services = ctx.services;
        panel.webview.html = renderHtml(panel.webview, services.context.extensionUri, panelTitle(ref));
        this.disposables.push(
            panel.onDidDispose(() => this.dispose()),
            panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
            services.grants.onDidChange((diskId) => {
                if (diskId.toLowerCase() === ref.id.toLowerCase()) this.pushState();
            }),
        );
        const sub = ctx.tracker.onEvent((diskId, message) => {
            if (diskId.toLowerCase() === ref.id.toLowerCase()) this.post(message);
        });
        this.disposables.push(new vscode.Disposable(() => sub.dispose()));
    }

    reveal(): void {
        this.panel.reveal();
    }

    /** Nothing left to act on: no live grant, no download running, no grant from before a reload to revoke. */
    isStale(): boolean {
        const g = this.services.grants.get(this.ref.id);
        if (g && g.expiresAt.getTime() > Date.now()) return false;
        if (this.ctx.tracker.anyRunning(this.ref.id)) return false;
        return this.hadGrant || this.noGrantReason !== 'reloaded';
    }

    dispose(): void {
        if (this.disposed) return;
        this.disposed = true;
        this.onDispose();
        for (const d of this.disposables.splice(0)) d.dispose();
        this.panel.dispose();
    }

    private grant(): Grant | undefined {
        const g = this.services.grants.get(this.ref.id);
        if (g) {
            this.lastPreset = presetOf(g);
            this.hadGrant = true;
        }
        return g;
    }

    private post(message: HostMessage): void {
        // Until the page says it is ready, messages would be lost; it asks for the full state then.
        if (!this.ready || this.disposed) return;
        void this.panel.webview.postMessage(message);
    }

    private pushState(): void {
        const g = this.grant();
        const id = { diskId: this.ref.id, tenantId: this.ref.tenantId };
        const disk = { name: this.ref.name, kind: this.ref.kind };
        if (!g) {
            const reason: NoGrantReason = this.hadGrant ? 'revoked' : this.noGrantReason;
            // The tab itself says it, so a row of tabs shows which still hold access.
            if (reason === 'revoked') this.panel.title = vscode.l10n.t('Access revoked: {0}', this.ref.name);
            this.post({ type: 'noGrant', id, disk, reason });
            return;
        }
        this.panel.title = panelTitle(this.ref);
        const state: StateMessage = {
            type: 'state',
            id,
            disk,
            access: g.access,
            fileFormat: g.fileFormat,
            expiresAt: g.expiresAt.toISOString(),
            rows: BLOB_KINDS.map((blob) => {
                const url = g.urls[blob];
                return { blob, label: BLOB_LABELS[blob], maskedUrl: url ? maskSasUrl(url) : '', present: !!url };
            }),
            downloads: this.ctx.tracker.rowsFor(this.ref.id),
        };
        this.post(state);
    }

    private receive(m: unknown): void {
        if (!isPageMessage(m)) {
            this.services.log.warn(`Access panel: ignored a malformed ${describeRejected(m)}.`);
            return;
        }
        this.handle(m).catch((e: unknown) => {
            // Commands run through the wrapper report their own errors; this only catches the rest.
            this.services.log.error(`Access panel: '${m.type}' failed: ${e instanceof Error ? e.message : String(e)}`);
        });
    }

    private async handle(m: PageMessage): Promise<void> {
        switch (m.type) {
            case 'ready':
                this.ready = true;
                this.pushState();
                return;
            case 'reveal': {
                const url = this.urlOf(m.blob);
                if (url) this.post({ type: 'revealed', blob: m.blob, url });
                return;
            }
            case 'hide':
                return;
            case 'copy': {
                const url = this.urlOf(m.blob);
                if (!url) return;
                await vscode.env.clipboard.writeText(url);
                this.post({ type: 'copied', blob: m.blob });
                return;
            }
            case 'download':
                await this.ctx.run(Cmd.Download, (actx) => this.ctx.actions.download(actx, this.ref, { blobs: m.blobs }));
                return;
            case 'cancelDownload':
                this.ctx.tracker.cancel(this.ref.id, m.blob);
                return;
            case 'revoke':
                if (this.ctx.tracker.anyRunning(this.ref.id)) {
                    const revoke = vscode.l10n.t('Revoke access');
                    const choice = await this.services.ui.showWarningMessage(
                        vscode.l10n.t('{0} is downloading. Revoking access stops the download (the partial file is kept). Revoke anyway?', this.ref.name),
                        { modal: true },
                        revoke,
                    );
                    if (choice !== revoke) return;
                    this.ctx.tracker.cancel(this.ref.id);
                }
                this.post({ type: 'busy', label: vscode.l10n.t('Revoking access…') });
                try {
                    await this.ctx.run(Cmd.RevokeAccess, (actx) => this.ctx.actions.revokeAccess(actx, this.ref));
                } finally {
                    if (!this.services.grants.get(this.ref.id)) this.post({ type: 'revoked' });
                    this.pushState();
                }
                return;
            case 'grantAgain': {
                const reloaded = !this.hadGrant && this.noGrantReason === 'reloaded';
                const confirm = async () => {
                    const revokeAndGrant = vscode.l10n.t('Revoke and grant again');
                    const choice = await this.services.ui.showWarningMessage(
                        vscode.l10n.t('{0} still has the access granted before the window reloaded, but its SAS URLs are no longer known here. Revoke it and grant access again?', this.ref.name),
                        { modal: true },
                        revokeAndGrant,
                    );
                    return choice === revokeAndGrant;
                };
                try {
                    await this.ctx.run(Cmd.GrantAccess, async (actx) => {
                        if (reloaded && !(await this.ctx.actions.revokeOrphaned(actx, this.ref, confirm))) throw new UserCancelledError('revoke');
                        this.post({ type: 'busy', label: vscode.l10n.t('Granting access…') });
                        return this.ctx.actions.grantAccess(actx, this.ref, { preset: this.lastPreset, silentPanel: true });
                    });
                } finally {
                    this.pushState();
                }
                return;
            }
        }
    }

    private urlOf(blob: BlobKind): string | undefined {
        const g = this.grant();
        if (!g || g.expiresAt.getTime() <= Date.now()) return undefined;
        return g.urls[blob];
    }
}
