/**
 * The sandbox's live state: the seed turned into ARM resources with their blobs in Azurite, and
 * the JSON shapes ARM returns for them (API 2025-01-02 for Microsoft.Compute).
 */
import * as crypto from 'node:crypto';
import type { BlobServiceClient } from '@azure/storage-blob';
import { accountKey, contentAt, seedBlob, serviceClient, type BlobSpec } from './blobs';
import * as seed from './seed';
import { HISTORY_DISK } from './seed';
import { buildImages } from './images';
import { initialSnapshotAccess, snapshotAccessOf } from './snapshotAccess';
import type { SeedBlob, SeedDisk, SeedDiskRestorePoint } from './types';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Blobs of disks this large (the demo's) are not hashed. */
const HASH_LIMIT_MIB = 16 * 1024;

export interface Resource {
    kind: seed.ResourceKind;
    id: string;
    tenantId: string;
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    location: string;
    spec: seed.SeedResource;
    state: string;
    /** Where a revoke returns the resource to. */
    stateAfterRevoke: string;
    vmId?: string;
    vmPowerState?: 'running' | 'deallocated';
    timeCreated: string;
    uniqueId: string;
    blobs: SeedDisk['blobs'];
    /** Succeeded, or Updating while a create runs (Failed when it failed). */
    provisioningState: string;
    /** Made at run time by a PUT (not from the seed): `reset({ state })` removes it. */
    runtime?: boolean;
    /** The creationData the resource was created with (runtime resources), echoed as sent. */
    creationData?: Record<string, unknown>;
    /** Runtime snapshots: the disk whose incremental family they belong to. */
    familyOf?: string;
    /** CopyStart snapshots: progress of the background copy. */
    completionPercent?: number;
    /** Premium SSD v2 and Ultra snapshots: their snapshotAccessState, and when InstantAccess ends by itself. */
    snapshotAccess?: { state: string; availableAt?: number };
}

export interface StorageAccount {
    spec: seed.SeedStorageAccount;
    id: string;
    tenantId: string;
    /** Shared key of its Azurite account. */
    key: string;
    /** Public (proxied) blob endpoint, with a trailing slash, as ARM gives `primaryEndpoints.blob`. */
    blobEndpoint: string;
    /** Azurite itself, shared key. */
    service: BlobServiceClient;
}

export function storageAccountId(sub: string, rg: string, name: string): string {
    return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

/** http://127.0.0.1:PORT/devstoreaccount1 → http://127.0.0.1:PORT/<account> */
function accountUrl(devEndpoint: string, account: string): string {
    return devEndpoint.replace(/\/+$/, '').replace(/\/[^/]+$/, `/${account}`);
}

export function storageAccountsOf(service: BlobServiceClient, publicEndpoint: string): StorageAccount[] {
    return seed.storageAccounts.map((a) => ({
        spec: a,
        id: storageAccountId(a.subscriptionId, a.resourceGroup, a.name),
        tenantId: seed.subscriptions.find((s) => s.subscriptionId === a.subscriptionId)!.tenantId,
        key: accountKey(a.name),
        blobEndpoint: `${accountUrl(publicEndpoint, a.name)}/`,
        service: serviceClient(accountUrl(service.url, a.name), a.name, accountKey(a.name)),
    }));
}

/** Writes the storage accounts' blobs (ImportSecure sources). */
async function seedStorageAccounts(accounts: StorageAccount[]): Promise<void> {
    for (const a of accounts) {
        for (const b of a.spec.blobs) {
            const key = `${a.spec.name}/${b.container}/${b.blob}`;
            if (b.kind === 'block') {
                const c = a.service.getContainerClient(b.container);
                await c.createIfNotExists();
                const data = contentAt(key, 0, b.sizeMiB * MiB);
                await c.getBlockBlobClient(b.blob).upload(data, data.length);
                continue;
            }
            await seedBlob(a.service, { container: b.container, blob: b.blob, format: 'vhd', dataSize: b.sizeMiB * MiB, writtenTarget: b.writtenMiB * MiB, seed: key, noFooter: b.kind === 'raw' }, a.blobEndpoint);
        }
    }
}

export interface World {
    tenants: seed.SeedTenant[];
    subscriptions: seed.SeedSubscription[];
    groups: seed.SeedResourceGroup[];
    resources: Resource[];
    byId: Map<string, Resource>;
    manifest(): SeedDisk[];
    restorePointManifest(): SeedDiskRestorePoint[];
    restorePointCollections: seed.SeedRestorePointCollection[];
    /** Blobs per lower-cased resource id (for the seed cache). */
    blobMap(): Record<string, SeedDisk['blobs']>;
    /** Puts every resource back in its seeded state and drops the ones made at run time. */
    resetState(): void;
    add(r: Resource): void;
    /** Call after changing a resource's blobs. */
    changed(): void;
    /** The resource a blob ("container/blob") belongs to. */
    ownerOfBlob(subject: string): Resource | undefined;
    remove(r: Resource): void;
    /** Azurite itself (shared key, not through the proxy) and the public (proxied) endpoint. */
    storage: { service: BlobServiceClient; publicEndpoint: string };
    storageAccounts: StorageAccount[];
    /** Points the world at a restarted Azurite (another port, same data). */
    rebind(service: BlobServiceClient): void;
    /** Disk images that could not be built (their disks got pseudo-random content instead): such a seed is not cached. */
    imageProblems: string[];
}

export function resourceId(sub: string, rg: string, kind: seed.ResourceKind, name: string, rp?: { collection: string; point: string }): string {
    const base = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute`;
    if (kind === 'diskRestorePoint') return `${base}/restorePointCollections/${rp!.collection}/restorePoints/${rp!.point}/diskRestorePoints/${name}`;
    return `${base}/${kind === 'disk' ? 'disks' : 'snapshots'}/${name}`;
}

function shortHash(s: string): string {
    return crypto.createHash('sha256').update(s.toLowerCase()).digest('hex').slice(0, 12);
}

export function uuidFrom(s: string): string {
    const h = crypto.createHash('sha256').update(s).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Which blobs a resource has, named as the service names them (`…_vmgs`, `…_vmmd` in their own containers). */
export function blobSpecs(r: seed.SeedResource, id: string): { disk: BlobSpec; vhdx?: BlobSpec; vmgs?: BlobSpec; vmmd?: BlobSpec } {
    const h = shortHash(id);
    const key = id.toLowerCase();
    // Hashing tens of GiB of holes would cost a minute of CPU: a disk that large publishes no sha256.
    const history = r.history ? { history: { family: HISTORY_DISK.name, generation: r.history.generation } } : {};
    const disk: BlobSpec = { container: `md-${h}`, blob: 'abcd', format: 'vhd', dataSize: r.sizeMiB * MiB, writtenTarget: r.writtenMiB * MiB, seed: key, empty: r.diskState === 'ReadyToUpload', hash: r.sizeMiB < HASH_LIMIT_MIB, ...history };
    const out: { disk: BlobSpec; vhdx?: BlobSpec; vmgs?: BlobSpec; vmmd?: BlobSpec } = { disk };
    if (r.kind !== 'disk') {
        out.vhdx = { container: `md-${h}`, blob: 'abcd-vhdx', format: 'vhdx', dataSize: r.sizeMiB * MiB, writtenTarget: r.writtenMiB * MiB, seed: key, ...history };
    }
    if (r.securityType) {
        out.vmgs = { container: `md-${h}-vmgs`, blob: 'abcd_vmgs', format: 'vhd', dataSize: 4 * MiB, writtenTarget: MiB, seed: `${key}#vmgs` };
    }
    if (r.securityType?.startsWith('ConfidentialVM')) {
        out.vmmd = { container: `md-${h}-vmmd`, blob: 'abcd_vmmd', format: 'vhd', dataSize: MiB, writtenTarget: 64 * 1024, seed: `${key}#vmmd` };
    }
    return out;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) await fn(items[next++]);
    }));
}

/**
 * Builds the resources from the seed. With `cached`, the blobs are already in Azurite (restored
 * from the seed cache) and only their manifest entries are taken from it.
 */
export async function buildWorld(service: BlobServiceClient, publicEndpoint: string, opts: { scale?: boolean; skipLargeDisk?: boolean; demoDisks?: boolean } = {}, cached?: Record<string, SeedDisk['blobs']>): Promise<World> {
    const groups = [...seed.resourceGroups];
    const specs = seed.resources.filter((r) => !(opts.skipLargeDisk && r.sizeMiB >= 512));
    if (opts.demoDisks) {
        groups.push(...seed.demoResourceGroups);
        specs.push(...seed.demoResources);
    }
    if (opts.scale) {
        const s = seed.scaleSeed();
        groups.push(...s.groups);
        specs.push(...s.disks);
    }
    const subOf = new Map(seed.subscriptions.map((s) => [s.subscriptionId, s]));
    const rgOf = new Map(groups.map((g) => [`${g.subscriptionId}/${g.name}`.toLowerCase(), g]));

    let shared: SeedBlob | undefined;
    const sharedSpec: BlobSpec = { container: 'md-scale-shared', blob: 'abcd', format: 'vhd', dataSize: 32 * MiB, writtenTarget: MiB, seed: 'scale-shared' };
    if (!cached && specs.some((s) => s.sharedBlob)) shared = await seedBlob(service, sharedSpec, publicEndpoint);

    const imageProblems: string[] = [];
    const resources: Resource[] = specs.map((r) => {
        const id = resourceId(r.subscriptionId, r.resourceGroup, r.kind, r.name, r.restorePoint);
        const sub = subOf.get(r.subscriptionId)!;
        const rg = rgOf.get(`${r.subscriptionId}/${r.resourceGroup}`.toLowerCase())!;
        const vm = r.vm ? seed.vms.find((v) => v.subscriptionId === r.subscriptionId && v.resourceGroup === r.resourceGroup && v.name === r.vm) : undefined;
        return {
            kind: r.kind, id, tenantId: sub.tenantId, subscriptionId: r.subscriptionId, resourceGroup: r.resourceGroup, name: r.name,
            location: rg.location, spec: r, state: r.diskState,
            stateAfterRevoke: initialAfterRevoke(r),
            vmId: vm ? `/subscriptions/${vm.subscriptionId}/resourceGroups/${vm.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${vm.name}` : undefined,
            vmPowerState: vm?.powerState,
            timeCreated: r.timeCreated ?? new Date(Date.UTC(2025, 0, 1 + (parseInt(shortHash(id).slice(0, 4), 16) % 300))).toISOString(),
            uniqueId: uuidFrom(id),
            blobs: { disk: shared! },
            provisioningState: 'Succeeded',
            snapshotAccess: initialSnapshotAccess(r),
        };
    });

    if (cached) {
        for (const r of resources) {
            const blobs = cached[r.id.toLowerCase()];
            if (!blobs) throw new Error(`seed cache has no blobs for ${r.id}`);
            r.blobs = blobs;
        }
    } else {
        const images = buildImages(specs.flatMap((r) => (r.image ? [r.image] : [])), imageProblems);
        await pool(resources.filter((r) => !r.spec.sharedBlob), 3, async (r) => {
            const s = blobSpecs(r.spec, r.id);
            const image = r.spec.image && images.get(r.spec.image);
            if (image) s.disk.image = image;
            r.blobs = { disk: await seedBlob(service, s.disk, publicEndpoint) };
            if (s.vhdx) r.blobs.vhdx = await seedBlob(service, s.vhdx, publicEndpoint);
            if (s.vmgs) r.blobs.vmgs = await seedBlob(service, s.vmgs, publicEndpoint);
            if (s.vmmd) r.blobs.vmmd = await seedBlob(service, s.vmmd, publicEndpoint);
        });
    }

    const accounts = storageAccountsOf(service, publicEndpoint);
    if (!cached) await seedStorageAccounts(accounts);

    const byId = new Map(resources.map((r) => [r.id.toLowerCase(), r]));
    let owners: Map<string, Resource> | undefined;
    let version = 0;
    let ownersVersion = -1;
    const world: World = {
        tenants: seed.tenants,
        subscriptions: seed.subscriptions,
        groups,
        resources,
        byId,
        manifest: () => resources.filter((r) => r.kind !== 'diskRestorePoint').map(toSeedDisk),
        restorePointManifest: () => resources.filter((r) => r.kind === 'diskRestorePoint').map((r) => {
            const { kind: _k, attachedVm: _a, vmPowerState: _p, ...rest } = toSeedDisk(r);
            return { ...rest, kind: 'diskRestorePoint' as const, restorePointCollection: r.spec.restorePoint!.collection, restorePoint: r.spec.restorePoint!.point, sourceResourceId: sourceIdOf(r) };
        }),
        restorePointCollections: seed.restorePointCollections,
        blobMap: () => Object.fromEntries(resources.filter((r) => !r.runtime).map((r) => [r.id.toLowerCase(), r.blobs])),
        resetState() {
            for (const r of [...resources]) {
                if (r.runtime) world.remove(r);
                r.state = r.spec.diskState;
                r.stateAfterRevoke = initialAfterRevoke(r.spec);
                r.snapshotAccess = initialSnapshotAccess(r.spec);
            }
        },
        ownerOfBlob(subject) {
            if (!owners || ownersVersion !== version) {
                owners = new Map();
                for (const r of resources) for (const b of Object.values(r.blobs)) if (b?.container) owners.set(`${b.container}/${b.blob}`.toLowerCase(), r);
                ownersVersion = version;
            }
            return owners.get(subject.toLowerCase());
        },
        changed() {
            version++;
        },
        add(r) {
            version++;
            resources.push(r);
            byId.set(r.id.toLowerCase(), r);
        },
        remove(r) {
            version++;
            const i = resources.indexOf(r);
            if (i >= 0) resources.splice(i, 1);
            byId.delete(r.id.toLowerCase());
        },
        storage: { service, publicEndpoint },
        storageAccounts: accounts,
        imageProblems,
        rebind(next) {
            world.storage.service = next;
            const fresh = storageAccountsOf(next, publicEndpoint);
            accounts.forEach((a, i) => { a.service = fresh[i].service; });
        },
    };
    return world;
}

function initialAfterRevoke(r: seed.SeedResource): string {
    return r.stateAfterRevoke ?? (r.diskState === 'ReadyToUpload' ? 'Unattached' : r.diskState);
}

function toSeedDisk(r: Resource): SeedDisk {
    return {
        kind: r.kind as SeedDisk['kind'], id: r.id, tenantId: r.tenantId, subscriptionId: r.subscriptionId, resourceGroup: r.resourceGroup, name: r.name,
        diskState: r.state,
        ...(r.spec.securityType ? { securityType: r.spec.securityType } : {}),
        ...(r.vmId ? { attachedVm: r.spec.vm, vmPowerState: r.vmPowerState } : {}),
        blobs: r.blobs,
    };
}

/** The disk a seeded snapshot or disk restore point was taken from ("rg/name" or an ARM id). */
export function sourceIdOf(r: Resource): string {
    const source = r.spec.source ?? '';
    return source.startsWith('/') ? source : resourceId(r.subscriptionId, source.split('/')[0], 'disk', source.split('/')[1] ?? '');
}

/** The ARM JSON of a disk restore point (DiskRestorePoint_Get.json). */
function diskRestorePointJson(r: Resource): Record<string, unknown> {
    const sourceId = sourceIdOf(r);
    const props: Record<string, unknown> = {
        timeCreated: r.timeCreated,
        sourceResourceId: sourceId,
        ...(r.spec.osType ? { osType: r.spec.osType } : {}),
        hyperVGeneration: r.spec.securityType ? 'V2' : 'V1',
        familyId: uuidFrom(`family:${sourceId.toLowerCase()}`),
        sourceUniqueId: uuidFrom(sourceId),
        networkAccessPolicy: 'AllowAll',
        publicNetworkAccess: 'Enabled',
        sourceResourceLocation: r.location,
        logicalSectorSize: 512,
        diskSizeBytes: r.spec.sizeMiB * MiB,
    };
    if (r.spec.securityType) props.securityProfile = { securityType: r.spec.securityType };
    return { id: r.id, name: r.name, type: 'Microsoft.Compute/restorePointCollections/restorePoints/diskRestorePoints', properties: props };
}

/** The incrementalSnapshotFamilyId of an incremental snapshot (its disk's), undefined for anything else. */
export function familyIdOf(r: Resource): string | undefined {
    if (r.kind !== 'snapshot' || !r.spec.incremental) return undefined;
    const disk = r.creationData ? r.familyOf ?? String(r.creationData.sourceResourceId ?? '') : sourceIdOf(r);
    return uuidFrom(`family:${disk.toLowerCase()}`);
}

/** The ARM JSON of a disk, snapshot or disk restore point. */
export function resourceJson(r: Resource): Record<string, unknown> {
    if (r.kind === 'diskRestorePoint') return diskRestorePointJson(r);
    const sizeBytes = r.spec.sizeMiB * MiB;
    const props: Record<string, unknown> = {
        timeCreated: r.timeCreated,
        diskSizeGB: Math.max(1, Math.ceil(sizeBytes / GiB)),
        diskSizeBytes: sizeBytes,
        uniqueId: r.uniqueId,
        provisioningState: r.provisioningState,
        diskState: r.state,
        encryption: { type: 'EncryptionAtRestWithPlatformKey' },
        networkAccessPolicy: r.spec.networkAccessPolicy ?? 'AllowAll',
        publicNetworkAccess: r.spec.networkAccessPolicy === 'DenyAll' || r.spec.networkAccessPolicy === 'AllowPrivate' ? 'Disabled' : 'Enabled',
        hyperVGeneration: r.spec.hyperVGeneration ?? (r.spec.securityType ? 'V2' : 'V1'),
    };
    if (r.spec.dataAccessAuthMode) props.dataAccessAuthMode = r.spec.dataAccessAuthMode;
    if (r.completionPercent !== undefined) props.completionPercent = r.completionPercent;
    if (r.spec.osType) props.osType = r.spec.osType;
    if (r.spec.securityType) props.securityProfile = { securityType: r.spec.securityType };
    const accessState = snapshotAccessOf(r);
    if (accessState) props.snapshotAccessState = accessState;
    if (r.creationData) {
        props.creationData = r.creationData;
        if (r.kind === 'snapshot') {
            props.incremental = !!r.spec.incremental;
            if (r.spec.incremental) props.incrementalSnapshotFamilyId = familyIdOf(r);
        }
    } else if (r.kind === 'disk') {
        const createOption = r.spec.createOption ?? (r.spec.osType ? 'FromImage' : 'Empty');
        props.creationData = createOption === 'Upload' ? { createOption, uploadSizeBytes: sizeBytes + 512 } : { createOption };
        if (r.spec.logicalSectorSize) (props.creationData as Record<string, unknown>).logicalSectorSize = r.spec.logicalSectorSize;
        if (r.spec.sku?.startsWith('Premium')) props.tier = sizeBytes <= 32 * GiB ? 'P4' : sizeBytes <= 64 * GiB ? 'P6' : 'P10';
    } else {
        const source = r.spec.source ?? '';
        const sourceId = source.startsWith('/') ? source : resourceId(r.subscriptionId, source.split('/')[0], 'disk', source.split('/')[1] ?? '');
        props.creationData = { createOption: 'Copy', sourceResourceId: sourceId, sourceUniqueId: uuidFrom(sourceId), ...(r.spec.logicalSectorSize ? { logicalSectorSize: r.spec.logicalSectorSize } : {}) };
        props.incremental = !!r.spec.incremental;
        if (r.spec.incremental) props.incrementalSnapshotFamilyId = familyIdOf(r);
    }
    const sku = r.spec.sku ?? 'Standard_LRS';
    return {
        id: r.id,
        name: r.name,
        type: r.kind === 'disk' ? 'Microsoft.Compute/disks' : 'Microsoft.Compute/snapshots',
        location: r.location,
        ...(r.vmId ? { managedBy: r.vmId } : {}),
        sku: { name: sku, tier: sku.startsWith('Premium') ? 'Premium' : 'Standard' },
        tags: {},
        properties: props,
    };
}
