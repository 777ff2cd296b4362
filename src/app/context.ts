/**
 * The one context every feature receives: the services, the telemetry, the tree, the sign-in, the
 * live downloads, and the typed calls features make of each other (wired in extension.ts). A
 * feature never imports another feature: it calls `ctx.actions`.
 */
import type { SessionManager } from '../azure/sessionManager';
import type { ActionContext } from '../platform/command';
import type { Services } from '../platform/services';
import type { Telemetry } from '../platform/telemetry';
import type { Cmd } from '../shared/constants';
import type { GrantPreset } from '../shared/grants';
import type { BlobKind, DiskInfo, DiskRef, Grant, GrantRequest, NewSnapshot } from '../shared/types';
import type { SnapshotRecord, UpdateState } from '../transfer/update';
import type { DisksTreeDataProvider } from '../tree/treeProvider';
import type { DownloadTracker } from './downloadTracker';

export interface GrantOptions {
    /** Values already known (their prompts are skipped). */
    preset?: Partial<GrantRequest>;
    /** Do not open the access panel (the caller shows its own UI). */
    silentPanel?: boolean;
    /**
     * The SAS held for this disk stopped working (expired or refused) mid-transfer: ask Azure for a
     * new one even though the disk is in ActiveSAS or ActiveUpload, without revoking.
     */
    renew?: boolean;
}

export interface RevokeOptions {
    /** The caller has already asked (the start-up offer for a window's own earlier SAS, Delete…). */
    confirmed?: boolean;
    /** The upload into the disk is whole and verified: revoking completes it, so nothing is asked. */
    uploadComplete?: boolean;
    /** Delete… revokes first: its typed name already covers ending an upload (what else is asked stays). */
    deleting?: boolean;
}

export interface DownloadOptions {
    blobs?: BlobKind[];
    /** Names other than the resource's own: the folder under the download folder, and the files' base name. */
    saveAs?: SaveAs;
}

export interface SaveAs {
    folderName: string;
    fileBase: string;
}

/** A downloaded file with a record of the snapshot it holds; 'between' while an update of it is unfinished. */
export interface RecordedDownload {
    filePath: string;
    record: SnapshotRecord;
    state: UpdateState;
}

/** The durable records of downloads made from incremental snapshots (`<file>.snapshot.json`, no secrets). */
export interface SnapshotDownloads {
    /** `filePath` now holds `snapshot` whole: writes its record and lists it. Undefined when it cannot be recorded (not incremental). */
    record(filePath: string, snapshot: DiskInfo): Promise<SnapshotRecord | undefined>;
    /** The recorded files there still are: those listed and those under the workspace's download folders. */
    list(): Promise<RecordedDownload[]>;
    /** Whether the file still holds what its record says (size and sampled content). */
    intact(filePath: string, record: SnapshotRecord): Promise<boolean>;
}

/**
 * What features offer each other. Each takes the caller's ActionContext, so one user action is one
 * telemetry event, and throws what went wrong: a failure is a failure, Escape is UserCancelledError.
 */
export interface Actions {
    /** `target`: a tree node, a DiskRef, or nothing (then the user picks). Resolves to the grant held in memory. */
    grantAccess(actx: ActionContext, target: unknown, options?: GrantOptions): Promise<Grant>;
    /** Resolves true when access was revoked. Revoking a disk in ActiveUpload ends its upload: asked unless `options` says otherwise. */
    revokeAccess(actx: ActionContext, target: unknown, options?: RevokeOptions): Promise<boolean>;
    download(actx: ActionContext, target: unknown, options?: DownloadOptions): Promise<unknown>;
    /**
     * After a window reload this window's earlier SAS is still outstanding but its URLs are gone,
     * and a disk in ActiveSAS cannot be granted again: revoke it first. `confirm` is asked only
     * when the disk really has an outstanding SAS; resolves false when declined.
     */
    revokeOrphaned(actx: ActionContext, ref: DiskRef, confirm?: () => Promise<boolean>): Promise<boolean>;
    /** Revokes when the disk still has a SAS out or this window holds one; a failure is logged and shown, not thrown. */
    revokeQuietly(actx: ActionContext, ref: DiskRef, options?: RevokeOptions): Promise<void>;
    /** A live grant with `preset`'s settings that is not an expired one held in memory (revoking first where Azure needs it). */
    renewAccess(actx: ActionContext, ref: DiskRef, preset: GrantPreset): Promise<Grant>;
    /**
     * The SAS of `blob` expired or was revoked mid-transfer: asks (per the onSasExpired setting),
     * then grants again with the same settings. Throws TransferError('SasExpired') when declined.
     */
    renewExpired(actx: ActionContext, ref: DiskRef, current: Grant, blob: BlobKind, preset: GrantPreset, during: 'download' | 'copy' | 'browse' | 'update'): Promise<Grant>;
    /** Deletes a disk or snapshot once the user has typed its name; refuses an attached disk. Resolves true when deleted. */
    deleteDisk(actx: ActionContext, target: unknown): Promise<boolean>;
    /**
     * For a disk whose VM runs: an incremental snapshot, a Read grant on it, the download, revoke,
     * and the offer to delete the snapshot. The VM is never stopped.
     */
    exportSnapshot(actx: ActionContext, target: unknown): Promise<unknown>;
    /** Create Snapshot's work without its questions: the snapshot, readable, shown in the tree. */
    makeSnapshot(actx: ActionContext, source: DiskInfo, snapshot: NewSnapshot): Promise<DiskInfo>;
    /** Downloads made from incremental snapshots and their records (no telemetry of their own: plain file work). */
    snapshotDownloads: SnapshotDownloads;
    /** Opens (or brings forward) the access panel of a disk. */
    showAccess(ref: DiskRef): void;
}

export interface AppContext {
    readonly services: Services;
    readonly telemetry: Telemetry;
    readonly tree: DisksTreeDataProvider;
    readonly sessions: SessionManager;
    readonly tracker: DownloadTracker;
    readonly actions: Actions;
    /**
     * Runs a user action that does not arrive as a command (a panel button, a toast's button) the
     * way commands run: one telemetry event named `id`, errors shown with "Show Log", cancel silent.
     */
    run(id: Cmd, handler: (actx: ActionContext) => Promise<unknown>): Promise<unknown>;
}

/** Builds the context; `actions` is called once with the finished context, so features can close over it. */
export function createAppContext(parts: Omit<AppContext, 'actions' | 'run'> & { run: AppContext['run'] }, actions: (ctx: AppContext) => Actions): AppContext {
    const ctx = { ...parts } as { -readonly [K in keyof AppContext]: AppContext[K] };
    ctx.actions = actions(ctx);
    return ctx;
}
