/** The ARM side of disks and snapshots, over the SDK clients of the current sign-in. */
import type { AzureSession } from './auth';
import { DiskError } from '../shared/errors';
import { toDiskInfo, toGrant, type ArmDiskLike } from './mapping';
import type { DiskInfo, DiskRef, Grant, GrantRequest, NewSnapshot, NewUploadDisk, ResourceGroupInfo, RestorePointCollectionInfo, RestorePointInfo, SubscriptionInfo, TenantInfo } from '../shared/types';
import { getDiskRestorePoint, listCollections, listDiskRestorePoints, listRestorePoints, restorePointArgs, restorePointGrantData } from './restorePoints';

export interface DiskService {
    listTenants(signal?: AbortSignal): Promise<TenantInfo[]>;
    /** Tenants the last listSubscriptions could not list without the user signing in to them. */
    tenantsNeedingSignIn?(): TenantInfo[];
    listSubscriptions(signal?: AbortSignal): Promise<SubscriptionInfo[]>;
    listResourceGroups(sub: SubscriptionInfo, signal?: AbortSignal): AsyncIterable<ResourceGroupInfo>;
    listDisks(rg: ResourceGroupInfo, signal?: AbortSignal): AsyncIterable<DiskInfo>;
    /** A resource group's VM restore point collections (Microsoft.Compute/restorePointCollections). */
    listRestorePointCollections(rg: ResourceGroupInfo, signal?: AbortSignal): AsyncIterable<RestorePointCollectionInfo>;
    listRestorePoints(collection: RestorePointCollectionInfo, signal?: AbortSignal): Promise<RestorePointInfo[]>;
    /** A restore point's disk restore points, as DiskInfo of kind diskRestorePoint (granted like disks). */
    listDiskRestorePoints(point: RestorePointInfo, signal?: AbortSignal): AsyncIterable<DiskInfo>;
    getDisk(ref: DiskRef, signal?: AbortSignal): Promise<DiskInfo>;
    /** The resource's ARM JSON as Azure sends it (properties nested), for reading. */
    getResourceJson(ref: DiskRef, signal?: AbortSignal): Promise<unknown>;
    grantAccess(ref: DiskRef, request: GrantRequest, signal?: AbortSignal): Promise<Grant>;
    revokeAccess(ref: DiskRef, signal?: AbortSignal): Promise<void>;
    /** PUT disks/{name} for upload; resolves when Azure has made it (ReadyToUpload). */
    createForUpload(rg: ResourceGroupInfo, disk: NewUploadDisk, signal?: AbortSignal): Promise<DiskInfo>;
    /** PUT snapshots/{name} with createOption Copy from `source`; resolves when Azure has made it. Works on a running VM's disk. */
    createSnapshot(source: DiskInfo, snapshot: NewSnapshot, signal?: AbortSignal): Promise<DiskInfo>;
    /**
     * PUT snapshots/{name} with createOption CopyStart: Azure copies an incremental snapshot into
     * an incremental snapshot in another region itself. Resolves when the resource exists; its data
     * is complete when `completionPercent` reaches 100.
     */
    copySnapshotAcrossRegions(source: DiskInfo, rg: ResourceGroupInfo, target: { name: string; location: string }, signal?: AbortSignal): Promise<DiskInfo>;
    deleteDisk(ref: DiskRef, signal?: AbortSignal): Promise<void>;
}

export interface DiskServiceOptions {
    /** Poll interval for grant/revoke operations when the service sends no Retry-After. */
    pollIntervalMs?: number;
    /**
     * Longest wait for a grant or revoke to finish (default 15 minutes). Azure usually answers in
     * seconds; past this the wait stops with a message instead of hanging the command forever.
     */
    maxWaitMs?: number;
    log?: (message: string) => void;
}

/** DiskRP's api-version for the raw GETs (the version of the REST examples the extension follows). */
const DISK_RP_API_VERSION = '2025-01-02';

export const DEFAULT_LRO_MAX_WAIT_MS = 15 * 60 * 1000;

function abortError(): Error {
    const e = new Error('The operation was aborted.');
    e.name = 'AbortError';
    return e;
}

/**
 * A signal that aborts when the caller's does or when `maxWaitMs` has passed; `timedOut()` tells
 * the two apart afterwards.
 */
function boundedSignal(signal: AbortSignal | undefined, maxWaitMs: number): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
    }, maxWaitMs);
    return {
        signal: controller.signal,
        timedOut: () => timedOut && !signal?.aborted,
        dispose: () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
        },
    };
}

function minutes(ms: number): string {
    const s = Math.max(1, Math.round(ms / 1000));
    return s >= 120 ? `${Math.round(s / 60)} minutes` : `${s} second${s === 1 ? '' : 's'}`;
}

type LroKind = 'grant' | 'revoke' | 'create' | 'delete';

export function lroTimeoutError(op: LroKind, ref: DiskRef, waitedMs: number): DiskError {
    const what = { grant: 'Granting access to', revoke: 'Revoking access to', create: 'Creating', delete: 'Deleting' }[op];
    if (op === 'create' || op === 'delete') {
        return new DiskError('TimedOut', `${what} ${ref.name} did not finish within ${minutes(waitedMs)}; Azure may still be working on it.`, 'Refresh the Azure Managed Disks view to see whether the disk exists, then try again.');
    }
    return new DiskError(
        'TimedOut',
        `${what} ${ref.name} did not finish within ${minutes(waitedMs)}; Azure may still be working on it, and the disk may be left in the ActiveSAS state (its VM cannot start while it is).`,
        ref.kind === 'diskRestorePoint'
            ? `Run "Revoke Access" on ${ref.name} in the Azure Managed Disks view once Azure has finished, so no SAS is left outstanding.`
            : `Refresh the Azure Managed Disks view to see the disk's state; if it shows ActiveSAS, run "Revoke Access" on it (or: az ${ref.kind === 'snapshot' ? 'snapshot' : 'disk'} revoke-access -g ${ref.resourceGroup} -n ${ref.name}).`,
    );
}

export class ArmDiskService implements DiskService {
    constructor(
        private readonly session: () => Promise<AzureSession>,
        private readonly options: DiskServiceOptions = {},
    ) {}

    async listTenants(signal?: AbortSignal): Promise<TenantInfo[]> {
        const clients = await (await this.session()).clients();
        const out: TenantInfo[] = [];
        for await (const t of clients.subscriptions().tenants.list({ abortSignal: signal })) {
            if (t.tenantId) out.push({ tenantId: t.tenantId, displayName: t.displayName ?? undefined });
        }
        return out;
    }

    private signInNeeded: TenantInfo[] = [];
    /**
     * Tenants (with the sign-in route) whose need of a sign-in the log has told. Not per session:
     * VS Code's account changes the session at each new token, and the tenant's state has not changed.
     */
    private readonly signInNoted = new Set<string>();

    tenantsNeedingSignIn(): TenantInfo[] {
        return [...this.signInNeeded];
    }

    async listSubscriptions(signal?: AbortSignal): Promise<SubscriptionInfo[]> {
        const session = await this.session();
        const tenants = await this.listTenants(signal);
        const out: SubscriptionInfo[] = [];
        const needed: TenantInfo[] = [];
        let firstError: unknown;
        // A token is tenant-specific: list each tenant's subscriptions with that tenant's credential.
        for (const tenant of tenants) {
            try {
                const clients = await session.clients(tenant.tenantId);
                for await (const s of clients.subscriptions().subscriptions.list({ abortSignal: signal })) {
                    if (!s.subscriptionId) continue;
                    out.push({ tenantId: s.tenantId ?? tenant.tenantId, subscriptionId: s.subscriptionId, displayName: s.displayName ?? s.subscriptionId });
                }
                this.signInNoted.delete(`${session.method} ${tenant.tenantId}`);
            } catch (e) {
                if (signal?.aborted) throw e;
                firstError ??= e;
                if ((e as Error)?.name !== 'SignInRequiredError') {
                    this.options.log?.(`Could not list subscriptions of tenant ${tenant.tenantId}: ${(e as Error).message}`);
                    continue;
                }
                // No session for this tenant yet: the tree offers to sign in to it, never a prompt by
                // itself. Not a failure of each refresh: said once, until the tenant is listed.
                needed.push(tenant);
                const noted = `${session.method} ${tenant.tenantId}`;
                if (this.signInNoted.has(noted)) continue;
                this.signInNoted.add(noted);
                const name = tenant.displayName ?? tenant.tenantId;
                this.options.log?.(
                    session.method === 'vscode'
                        ? `Tenant ${name} (${tenant.tenantId}) needs its own sign-in: its subscriptions are listed after "Sign in to ${name}" in the view.`
                        : `Tenant ${name} (${tenant.tenantId}) is not signed in through ${session.method}: ${(e as Error).message}`,
                );
            }
        }
        this.signInNeeded = needed;
        if (out.length === 0 && firstError) throw firstError;
        return out;
    }

    async *listResourceGroups(sub: SubscriptionInfo, signal?: AbortSignal): AsyncIterable<ResourceGroupInfo> {
        const clients = await (await this.session()).clients(sub.tenantId);
        for await (const rg of clients.resources(sub.subscriptionId).resourceGroups.list({ abortSignal: signal })) {
            if (rg.name) yield { tenantId: sub.tenantId, subscriptionId: sub.subscriptionId, name: rg.name, location: rg.location ?? '' };
        }
    }

    async *listDisks(rg: ResourceGroupInfo, signal?: AbortSignal): AsyncIterable<DiskInfo> {
        const compute = (await (await this.session()).clients(rg.tenantId)).compute(rg.subscriptionId);
        for await (const d of compute.disks.listByResourceGroup(rg.name, { abortSignal: signal })) {
            yield toDiskInfo(d as ArmDiskLike, 'disk', rg.tenantId, rg.subscriptionId, rg.name);
        }
        for await (const s of compute.snapshots.listByResourceGroup(rg.name, { abortSignal: signal })) {
            yield toDiskInfo(s as ArmDiskLike, 'snapshot', rg.tenantId, rg.subscriptionId, rg.name);
        }
    }

    async *listRestorePointCollections(rg: ResourceGroupInfo, signal?: AbortSignal): AsyncIterable<RestorePointCollectionInfo> {
        yield* listCollections(await this.compute(rg), rg, signal);
    }

    async listRestorePoints(collection: RestorePointCollectionInfo, signal?: AbortSignal): Promise<RestorePointInfo[]> {
        return listRestorePoints(await this.compute(collection), collection, signal);
    }

    async *listDiskRestorePoints(point: RestorePointInfo, signal?: AbortSignal): AsyncIterable<DiskInfo> {
        yield* listDiskRestorePoints(await this.compute(point), point, signal);
    }

    private async compute(where: { tenantId: string; subscriptionId: string }) {
        return (await (await this.session()).clients(where.tenantId)).compute(where.subscriptionId);
    }

    async getDisk(ref: DiskRef, signal?: AbortSignal): Promise<DiskInfo> {
        const compute = (await (await this.session()).clients(ref.tenantId)).compute(ref.subscriptionId);
        if (ref.kind === 'diskRestorePoint') return getDiskRestorePoint(compute, ref, signal);
        const r = ref.kind === 'snapshot'
            ? await compute.snapshots.get(ref.resourceGroup, ref.name, { abortSignal: signal })
            : await compute.disks.get(ref.resourceGroup, ref.name, { abortSignal: signal });
        return toDiskInfo(r as ArmDiskLike, ref.kind, ref.tenantId, ref.subscriptionId, ref.resourceGroup);
    }

    async getResourceJson(ref: DiskRef, signal?: AbortSignal): Promise<unknown> {
        const session = await this.session();
        const compute = (await session.clients(ref.tenantId)).compute(ref.subscriptionId);
        // The SDK's models flatten `properties`; the portal and az show the resource as ARM sends it,
        // so this is a plain GET through the client's pipeline (same sign-in, same 401 retry).
        const { createDefaultHttpClient, createPipelineRequest } = await import('@azure/core-rest-pipeline');
        const url = `${session.cloud.resourceManagerEndpoint.replace(/\/+$/, '')}${ref.id}?api-version=${DISK_RP_API_VERSION}`;
        const response = await compute.pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url, method: 'GET', abortSignal: signal, allowInsecureConnection: url.startsWith('http:') }));
        let body: { error?: { code?: string; message?: string } } & Record<string, unknown>;
        try {
            body = JSON.parse(response.bodyAsText ?? '{}');
        } catch {
            body = {};
        }
        if (response.status !== 200) {
            const e = new Error(body.error?.message ?? `Azure answered ${response.status} for ${ref.name}.`) as Error & { statusCode?: number; code?: string };
            e.statusCode = response.status;
            e.code = body.error?.code;
            throw e;
        }
        return body;
    }

    async grantAccess(ref: DiskRef, request: GrantRequest, signal?: AbortSignal): Promise<Grant> {
        if (signal?.aborted) throw abortError();
        const compute = (await (await this.session()).clients(ref.tenantId)).compute(ref.subscriptionId);
        const data = {
            access: request.access,
            durationInSeconds: request.durationInSeconds,
            ...(request.getSecureVMGuestStateSAS ? { getSecureVMGuestStateSAS: true } : {}),
            ...(ref.kind === 'snapshot' && request.fileFormat ? { fileFormat: request.fileFormat } : {}),
        };
        const uri = await this.bounded('grant', ref, signal, (bounded) => {
            const opts = { abortSignal: bounded, updateIntervalInMs: this.options.pollIntervalMs };
            const poller = ref.kind === 'diskRestorePoint'
                ? compute.diskRestorePoint.grantAccess(...restorePointArgs(ref), restorePointGrantData(request), opts)
                : ref.kind === 'snapshot'
                ? compute.snapshots.grantAccess(ref.resourceGroup, ref.name, data, opts)
                : compute.disks.grantAccess(ref.resourceGroup, ref.name, data, opts);
            // The signal in the options aborts requests; the one given here also aborts the wait between polls.
            return poller.pollUntilDone({ abortSignal: bounded });
        });
        const grant = toGrant(ref, request, uri ?? {});
        this.options.log?.(`Granted ${request.access} access to ${ref.kind} ${ref.name} for ${request.durationInSeconds} s (${Object.keys(grant.urls).join(', ') || 'no SAS returned'}).`);
        return grant;
    }

    async revokeAccess(ref: DiskRef, signal?: AbortSignal): Promise<void> {
        if (signal?.aborted) throw abortError();
        const compute = (await (await this.session()).clients(ref.tenantId)).compute(ref.subscriptionId);
        await this.bounded('revoke', ref, signal, (bounded) => {
            const opts = { abortSignal: bounded, updateIntervalInMs: this.options.pollIntervalMs };
            const poller = ref.kind === 'diskRestorePoint'
                ? compute.diskRestorePoint.revokeAccess(...restorePointArgs(ref), opts)
                : ref.kind === 'snapshot'
                ? compute.snapshots.revokeAccess(ref.resourceGroup, ref.name, opts)
                : compute.disks.revokeAccess(ref.resourceGroup, ref.name, opts);
            return poller.pollUntilDone({ abortSignal: bounded });
        });
        this.options.log?.(`Revoked access to ${ref.kind} ${ref.name}.`);
    }

    async createForUpload(rg: ResourceGroupInfo, disk: NewUploadDisk, signal?: AbortSignal): Promise<DiskInfo> {
        if (signal?.aborted) throw abortError();
        const compute = (await (await this.session()).clients(rg.tenantId)).compute(rg.subscriptionId);
        const body = {
            location: disk.location,
            sku: { name: disk.sku },
            ...(disk.osType ? { osType: disk.osType } : {}),
            ...(disk.hyperVGeneration ? { hyperVGeneration: disk.hyperVGeneration } : {}),
            ...(disk.securityType ? { securityProfile: { securityType: disk.securityType } } : {}),
            creationData: { createOption: disk.createOption, uploadSizeBytes: disk.uploadSizeBytes },
        };
        const ref: DiskRef = { tenantId: rg.tenantId, subscriptionId: rg.subscriptionId, resourceGroup: rg.name, name: disk.name, kind: 'disk', id: '' };
        const made = await this.bounded('create', ref, signal, (bounded) =>
            compute.disks.createOrUpdate(rg.name, disk.name, body, { abortSignal: bounded, updateIntervalInMs: this.options.pollIntervalMs }).pollUntilDone({ abortSignal: bounded }),
        );
        this.options.log?.(`Created disk ${disk.name} for upload (${body.creationData.createOption}, ${disk.uploadSizeBytes} bytes).`);
        return toDiskInfo(made as ArmDiskLike, 'disk', rg.tenantId, rg.subscriptionId, rg.name);
    }

    async createSnapshot(source: DiskInfo, snapshot: NewSnapshot, signal?: AbortSignal): Promise<DiskInfo> {
        if (signal?.aborted) throw abortError();
        const compute = (await (await this.session()).clients(source.tenantId)).compute(source.subscriptionId);
        // The shape of the REST example Snapshot_Create_FromAnExistingSnapshot.json, with a disk as the source.
        const body = {
            location: source.location,
            incremental: snapshot.incremental,
            creationData: { createOption: 'Copy', sourceResourceId: source.id },
        };
        const ref: DiskRef = { tenantId: source.tenantId, subscriptionId: source.subscriptionId, resourceGroup: source.resourceGroup, name: snapshot.name, kind: 'snapshot', id: '' };
        const made = await this.bounded('create', ref, signal, (bounded) =>
            compute.snapshots.createOrUpdate(source.resourceGroup, snapshot.name, body, { abortSignal: bounded, updateIntervalInMs: this.options.pollIntervalMs }).pollUntilDone({ abortSignal: bounded }),
        );
        this.options.log?.(`Created ${snapshot.incremental ? 'an incremental' : 'a full'} snapshot ${snapshot.name} of ${source.kind} ${source.name}.`);
        return toDiskInfo(made as ArmDiskLike, 'snapshot', source.tenantId, source.subscriptionId, source.resourceGroup);
    }

    async copySnapshotAcrossRegions(source: DiskInfo, rg: ResourceGroupInfo, target: { name: string; location: string }, signal?: AbortSignal): Promise<DiskInfo> {
        if (signal?.aborted) throw abortError();
        const compute = (await (await this.session()).clients(rg.tenantId)).compute(rg.subscriptionId);
        // The shape of the REST example Snapshot_Create_ByCopyingASnapshotAcrossRegions.json.
        const body = {
            location: target.location,
            incremental: true,
            creationData: { createOption: 'CopyStart', sourceResourceId: source.id },
        };
        const ref: DiskRef = { tenantId: rg.tenantId, subscriptionId: rg.subscriptionId, resourceGroup: rg.name, name: target.name, kind: 'snapshot', id: '' };
        const made = await this.bounded('create', ref, signal, (bounded) =>
            compute.snapshots.createOrUpdate(rg.name, target.name, body, { abortSignal: bounded, updateIntervalInMs: this.options.pollIntervalMs }).pollUntilDone({ abortSignal: bounded }),
        );
        this.options.log?.(`Started Azure's copy (CopyStart) of snapshot ${source.name} into ${target.name} in ${target.location}.`);
        return toDiskInfo(made as ArmDiskLike, 'snapshot', rg.tenantId, rg.subscriptionId, rg.name);
    }

    async deleteDisk(ref: DiskRef, signal?: AbortSignal): Promise<void> {
        if (signal?.aborted) throw abortError();
        const compute = (await (await this.session()).clients(ref.tenantId)).compute(ref.subscriptionId);
        await this.bounded('delete', ref, signal, (bounded) => {
            const opts = { abortSignal: bounded, updateIntervalInMs: this.options.pollIntervalMs };
            const poller = ref.kind === 'snapshot' ? compute.snapshots.delete(ref.resourceGroup, ref.name, opts) : compute.disks.delete(ref.resourceGroup, ref.name, opts);
            return poller.pollUntilDone({ abortSignal: bounded });
        });
        this.options.log?.(`Deleted ${ref.kind} ${ref.name} (resource group ${ref.resourceGroup}).`);
    }

    /** Runs one long-running wait under the caller's signal and the maxWaitMs bound. */
    private async bounded<T>(op: LroKind, ref: DiskRef, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
        const maxWaitMs = this.options.maxWaitMs ?? DEFAULT_LRO_MAX_WAIT_MS;
        const b = boundedSignal(signal, maxWaitMs);
        try {
            const result = await run(b.signal);
            if (b.signal.aborted) throw abortError();
            return result;
        } catch (e) {
            if (b.timedOut()) {
                this.options.log?.(`${op[0].toUpperCase()}${op.slice(1)} of ${ref.kind} ${ref.name} gave up after ${maxWaitMs} ms without an answer.`);
                throw lroTimeoutError(op, ref, maxWaitMs);
            }
            if (signal?.aborted) throw abortError();
            throw e;
        } finally {
            b.dispose();
        }
    }
}
