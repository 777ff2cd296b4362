/**
 * The disks and images being browsed in this window: session id → the open device and its tree,
 * in memory only (a SAS lives in the grant store and the device, never in a URI or on disk). A
 * session opens from its command, or from its URI after the window reloaded; it closes when its
 * folder leaves the workspace, revoking a grant it made as the revoke setting of downloads says.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { authorizationFor } from '../../azure/diskToken';
import { BrowseTree, type BrowseVolume } from '../../disk/browse';
import type { BlockDevice } from '../../disk/types';
import type { ActionContext } from '../../platform/command';
import { UserCancelledError } from '../../shared/cancel';
import { Cmd, Setting } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { isExpired, presetOf } from '../../shared/grants';
import type { DiskRef, Grant } from '../../shared/types';
import { TransferError } from '../../transfer';
import type { BrowseSource } from './source';
import { markStepDone } from '../../platform/walkthrough';

/** How devices and volumes are opened (src/disk/device, src/disk/volumes), passed in by the composition root. */
export interface BrowseDeps {
    openVolumes(dev: BlockDevice): Promise<BrowseVolume[]>;
    openBlobDevice(o: { url: string; refreshUrl?: () => Promise<string>; authorization?: () => Promise<string>; signal?: AbortSignal; log?: (m: string) => void }): Promise<BlockDevice & { close(): void }>;
    openImageDevice(path: string): Promise<BlockDevice & { close(): void }>;
}

/** The grant a disk session reads through, renewed in place when it expires. */
interface GrantState {
    grant: Grant;
    /** Browsing made it (then closing may revoke it); a grant the user made in the panel stays. */
    madeHere: boolean;
    renewing?: Promise<string>;
}

export interface Session {
    id: string;
    source: BrowseSource;
    label: string;
    tree: BrowseTree;
    volumes: BrowseVolume[];
    device: BlockDevice & { close(): void };
    grant?: GrantState;
}

/** After a failed open from a URI, the explorer's retries get the same error for this long instead of new prompts. */
const RETRY_AFTER_MS = 30_000;

export class BrowseSessions implements vscode.Disposable {
    private readonly live = new Map<string, Promise<Session>>();
    private readonly reopening = new Map<string, Promise<Session>>();
    /** Sessions whose folder was added in a way that restarts the extensions: opened by the next extension host, not this one. */
    private readonly handedOver = new Set<string>();
    private readonly failed = new Map<string, { at: number; error: unknown }>();

    /** A sign-in (or sign-out) changes what an open can do: the failures it explains are forgotten at once. */
    private readonly signIn: vscode.Disposable;

    constructor(
        private readonly ctx: AppContext,
        private readonly deps: BrowseDeps,
    ) {
        this.signIn = ctx.sessions.onDidChange(() => this.failed.clear());
    }

    /** The open session `id`; after a reload, opened again from the source its URI names (once, however many reads ask). */
    async get(id: string, source: BrowseSource | undefined, label: string): Promise<Session> {
        const open = this.live.get(id) ?? this.reopening.get(id);
        if (open) return open;
        const failed = this.failed.get(id);
        if (failed && Date.now() - failed.at < RETRY_AFTER_MS) throw failed.error;
        // A grant made now would die with this extension host: the next one opens the disk.
        if (this.handedOver.has(id)) throw vscode.FileSystemError.Unavailable(vscode.l10n.t('VS Code is restarting its extensions to add the disk to the workspace; it opens after that.'));
        if (!source) throw vscode.FileSystemError.Unavailable(vscode.l10n.t('This disk is no longer open in this window. Remove the folder and run Browse Contents again.'));
        const p = this.reopen(id, source, label).finally(() => this.reopening.delete(id));
        this.reopening.set(id, p);
        return p;
    }

    private async reopen(id: string, source: BrowseSource, label: string): Promise<Session> {
        let session: Session | undefined;
        let error: unknown = new UserCancelledError('browse');
        await this.ctx.run(Cmd.BrowseContents, async (actx) => {
            actx.telemetry.properties.reopened = 'true';
            try {
                session = await this.open(actx, id, source, label);
            } catch (e) {
                error = e;
                throw e;
            }
        });
        if (session) return session;
        this.failed.set(id, { at: Date.now(), error });
        throw error;
    }

    /** Opens the device (granting Read first for a disk without a live grant) and its volumes. */
    async open(actx: ActionContext, id: string, source: BrowseSource, label: string): Promise<Session> {
        this.failed.delete(id);
        const pending = this.doOpen(actx, id, source, label);
        this.live.set(id, pending);
        try {
            const session = await pending;
            // The disk's (or image's) volumes are open: browsing worked, from wherever it started.
            void markStepDone(this.ctx.services.context, 'browse');
            return session;
        } catch (e) {
            this.live.delete(id);
            throw e;
        }
    }

    /** An open session that matches, other than `except` (which may be the one still opening). */
    async find(match: (s: Session) => boolean, except?: string): Promise<Session | undefined> {
        for (const [id, p] of this.live) {
            if (id === except) continue;
            const s = await p.catch(() => undefined);
            if (s && match(s)) return s;
        }
        return undefined;
    }

    /** The folder of `id` is being added in a way that restarts the extensions. */
    handOver(id: string): void {
        this.handedOver.add(id);
    }

    isOpen(id: string): boolean {
        return this.live.has(id);
    }

    /** Closes the device; for a disk whose grant browsing made, revokes per `download.revokeAfterDownload`. */
    async close(actx: ActionContext, id: string): Promise<void> {
        const pending = this.live.get(id);
        this.live.delete(id);
        this.failed.delete(id);
        const s = await pending?.catch(() => undefined);
        if (!s) return;
        s.device.close();
        this.ctx.services.log.info(`Closed ${s.label}.`);
        if (s.source.type === 'disk' && s.grant?.madeHere) await this.revokeAfter(actx, id, s.source.ref, s.label);
    }

    dispose(): void {
        this.signIn.dispose();
        for (const p of this.live.values()) void p.then((s) => s.device.close(), () => undefined);
        this.live.clear();
    }

    private async doOpen(actx: ActionContext, id: string, source: BrowseSource, label: string): Promise<Session> {
        const { log } = this.ctx.services;
        actx.telemetry.properties.source = source.type;
        if (source.type === 'image') {
            const device = await this.deps.openImageDevice(source.path);
            return this.withVolumes({ id, source, label, device });
        }
        const ref = source.ref;
        actx.errorContext = { ...actx.errorContext, diskName: ref.name };
        const grant = await this.readGrant(actx, ref);
        try {
            const info = await this.ctx.services.disks.getDisk(ref).catch(() => undefined);
            const authorization = info ? await authorizationFor(this.ctx.sessions, info) : undefined;
            const device = await this.deps.openBlobDevice({
                url: grant.grant.urls.disk!,
                authorization,
                log: (m) => log.debug(`${ref.name} (browse): ${m}`),
                refreshUrl: () => this.renew(ref, grant),
            });
            return await this.withVolumes({ id, source, label, device, grant });
        } catch (e) {
            // Nothing to browse: a grant made for it is not left behind (per the same setting).
            if (grant.madeHere) await this.revokeAfter(actx, id, ref, label).catch((r: unknown) => log.warn(`Could not revoke ${ref.name}: ${String(r)}`));
            throw e;
        }
    }

    private async withVolumes(s: Omit<Session, 'tree' | 'volumes'>): Promise<Session> {
        try {
            const volumes = await this.deps.openVolumes(s.device);
            for (const v of volumes) this.ctx.services.log.info(`${s.label}: ${v.name}${v.note ? ` (${v.note})` : ''}`);
            return { ...s, volumes, tree: new BrowseTree(volumes) };
        } catch (e) {
            s.device.close();
            throw e;
        }
    }

    /** The live Read grant of the disk in VHD form, or a new one (asked as Download asks). */
    private async readGrant(actx: ActionContext, ref: DiskRef): Promise<GrantState> {
        const existing = this.ctx.services.grants.get(ref.id);
        if (existing && !isExpired(existing) && existing.urls.disk) {
            if (existing.access === 'Write') throw new DiskError('WriteGrantActive', vscode.l10n.t('{0} has write access granted (for an upload). Revoke it before browsing.', ref.name));
            // A VHDX SAS serves the VHDX file, not the disk's bytes.
            if (existing.fileFormat === 'VHDX') throw new DiskError('Conflict', vscode.l10n.t('The access to {0} was granted as VHDX; browsing reads the disk as VHD. Revoke the access and browse again.', ref.name));
            return { grant: existing, madeHere: false };
        }
        const grant = await this.ctx.actions.renewAccess(actx, ref, { access: 'Read', fileFormat: 'VHD', getSecureVMGuestStateSAS: false });
        if (!grant.urls.disk) throw new DiskError('NoBlob', vscode.l10n.t('The access grant of {0} has no URL for the disk.', ref.name));
        return { grant, madeHere: true };
    }

    /** The disk's SAS expired while browsing: a new one, asked once however many reads failed together. */
    private renew(ref: DiskRef, state: GrantState): Promise<string> {
        state.renewing ??= (async () => {
            try {
                let fresh: Grant | undefined;
                await this.ctx.run(Cmd.BrowseContents, async (actx) => {
                    actx.telemetry.properties.step = 'renew';
                    fresh = await this.ctx.actions.renewExpired(actx, ref, state.grant, 'disk', { ...presetOf(state.grant), fileFormat: 'VHD' }, 'browse');
                });
                const url = fresh?.urls.disk;
                if (!fresh || !url) throw new TransferError('SasExpired', 'The access expired and was not renewed.');
                state.grant = fresh;
                state.madeHere = true;
                return url;
            } finally {
                state.renewing = undefined;
            }
        })();
        return state.renewing;
    }

    private async revokeAfter(actx: ActionContext, id: string, ref: DiskRef, label: string): Promise<void> {
        const { services, tracker } = this.ctx;
        // Still in use: another open folder of the disk, or a download (whose own end offers the revoke).
        if (!services.grants.get(ref.id) || tracker.anyRunning(ref.id) || (await this.find((s) => s.source.type === 'disk' && s.source.ref.id.toLowerCase() === ref.id.toLowerCase(), id))) return;
        const v = vscode.workspace.getConfiguration(Setting.Section).get<string>(Setting.RevokeAfterDownload, 'ask');
        if (v === 'never') return;
        if (v !== 'always') {
            const revoke = vscode.l10n.t('Revoke access');
            const question = vscode.l10n.t('{0} is closed. Revoke the access that browsing it granted? While access is granted anyone with the SAS URI can read it, and a disk stays in the ActiveSAS state.', label);
            if ((await services.ui.showWarningMessage(question, { modal: true }, revoke)) !== revoke) return;
        }
        await this.ctx.actions.revokeAccess(actx, ref);
    }
}
