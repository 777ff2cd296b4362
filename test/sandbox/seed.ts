/**
 * The sandbox's world, declared in one place: tenants, subscriptions, resource groups, VMs,
 * disks and snapshots. Sizes are in MiB; `writtenMiB` is roughly how much of a disk holds data
 * (the rest are holes), so downloads stay small except for the one large disk.
 */
import type { DiskImageName } from './images';

export interface SeedTenant { tenantId: string; displayName: string; defaultDomain: string }
export interface SeedSubscription { subscriptionId: string; tenantId: string; displayName: string }
export interface SeedResourceGroup { subscriptionId: string; name: string; location: string }
export interface SeedVm { subscriptionId: string; resourceGroup: string; name: string; powerState: 'running' | 'deallocated' }

export type ResourceKind = 'disk' | 'snapshot' | 'diskRestorePoint';

/** A VM's restore point collection (Microsoft.Compute/restorePointCollections) and its restore points. */
export interface SeedRestorePointCollection { subscriptionId: string; resourceGroup: string; name: string; vm: string; restorePoints: SeedRestorePoint[] }
/** A VM restore point; one still being created (`Creating`) has no disk restore points yet. */
export interface SeedRestorePoint { name: string; timeCreated: string; provisioningState?: 'Succeeded' | 'Creating' }

export interface SeedResource {
    kind: ResourceKind;
    /** Disk restore points: the collection and VM restore point they sit under. */
    restorePoint?: { collection: string; point: string };
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    sizeMiB: number;
    writtenMiB: number;
    diskState: 'Unattached' | 'Attached' | 'Reserved' | 'ActiveSAS' | 'ReadyToUpload' | 'ActiveUpload';
    /** For a disk seeded in ActiveSAS: the state a revoke returns it to. */
    stateAfterRevoke?: 'Unattached' | 'Reserved';
    sku?: string;
    osType?: 'Windows' | 'Linux';
    securityType?: string;
    /** VM name (same resource group) for attached/reserved disks. */
    vm?: string;
    incremental?: boolean;
    /** Snapshots: the disk they were taken from (same resource group or an ARM id). */
    source?: string;
    /** Metadata-only resources (scale mode) share one small blob. */
    sharedBlob?: boolean;
    createOption?: string;
    hyperVGeneration?: 'V1' | 'V2';
    /** AzureActiveDirectory: blob requests also need a bearer token for https://disk.azure.com/. */
    dataAccessAuthMode?: 'AzureActiveDirectory' | 'None';
    /** DenyAll / AllowPrivate: SAS requests from here (the public side) are refused. */
    networkAccessPolicy?: 'AllowAll' | 'AllowPrivate' | 'DenyAll';
    /** A disk with a past (history.ts): its blob holds this generation of the disk's writes. */
    history?: { generation: number };
    /** Fixed creation time (else one derived from the id). */
    timeCreated?: string;
    /** A disk holding real file systems (images.ts), written instead of pseudo-random ranges (`writtenMiB` then only sizes the fallback). */
    image?: DiskImageName;
    /** Premium SSD v2 and Ultra disks, and their snapshots: 512 or 4096 (creationData.logicalSectorSize). */
    logicalSectorSize?: 512 | 4096;
    /**
     * Premium SSD v2 and Ultra snapshots: seconds in InstantAccess after a start or reset before
     * Azure makes them Available (0: Available from the start); the control call moves them too.
     */
    instantAccessSeconds?: number;
}

export const MAIN_TENANT = '6a1f3c2e-5b7d-4e90-8c1a-2f4e6d8b0a11';
export const OTHER_TENANT = '9c4e2a7b-1d3f-4b58-9e6a-7f0c2d4b8e22';
export const SUB_DEV = '3f2b8c1d-4e5a-4f67-8a9b-0c1d2e3f4a51';
export const SUB_PROD = '7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1f52';
export const SUB_OTHER = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d53';

export const tenants: SeedTenant[] = [
    { tenantId: MAIN_TENANT, displayName: 'Contoso Sandbox', defaultDomain: 'contoso-sandbox.example' },
    { tenantId: OTHER_TENANT, displayName: 'Fabrikam Sandbox', defaultDomain: 'fabrikam-sandbox.example' },
];

export const subscriptions: SeedSubscription[] = [
    { subscriptionId: SUB_DEV, tenantId: MAIN_TENANT, displayName: 'Sandbox Development' },
    { subscriptionId: SUB_PROD, tenantId: MAIN_TENANT, displayName: 'Sandbox Production' },
    { subscriptionId: SUB_OTHER, tenantId: OTHER_TENANT, displayName: 'Fabrikam Sandbox Subscription' },
];

export const resourceGroups: SeedResourceGroup[] = [
    { subscriptionId: SUB_DEV, name: 'rg-web', location: 'westeurope' },
    { subscriptionId: SUB_DEV, name: 'rg-secure', location: 'eastus' },
    { subscriptionId: SUB_DEV, name: 'rg-data', location: 'westeurope' },
    { subscriptionId: SUB_DEV, name: 'rg-empty', location: 'northeurope' },
    { subscriptionId: SUB_DEV, name: 'rg-locked', location: 'westeurope' },
    { subscriptionId: SUB_DEV, name: 'rg-os-disks', location: 'westeurope' },
    { subscriptionId: SUB_PROD, name: 'rg-prod', location: 'eastus2' },
    { subscriptionId: SUB_PROD, name: 'rg-backup', location: 'eastus2' },
    { subscriptionId: SUB_OTHER, name: 'rg-fabrikam', location: 'westus3' },
];

export const vms: SeedVm[] = [
    { subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'vm-web-01', powerState: 'running' },
    { subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'vm-web-02', powerState: 'deallocated' },
    { subscriptionId: SUB_DEV, resourceGroup: 'rg-secure', name: 'vm-cvm-01', powerState: 'deallocated' },
];

const small = { sizeMiB: 32, writtenMiB: 3 };

/** A disk with a past (history.ts): its incremental snapshots, oldest first, and the generation of writes each holds. */
export const HISTORY_SNAPSHOTS = [
    { name: 'history-data-v1', generation: 0, timeCreated: '2025-03-01T02:00:00.0000000+00:00' },
    { name: 'history-data-v2', generation: 1, timeCreated: '2025-04-01T02:00:00.0000000+00:00' },
    { name: 'history-data-v3', generation: 2, timeCreated: '2025-05-01T02:00:00.0000000+00:00' },
];
export const HISTORY_DISK = { name: 'history-data', generation: 3 };

export const resources: SeedResource[] = [
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'web-data-01', ...small, diskState: 'Unattached', sku: 'Standard_LRS' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'web-os-01', ...small, diskState: 'Attached', vm: 'vm-web-01', osType: 'Linux', sku: 'Premium_LRS' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'web-os-02', ...small, diskState: 'Reserved', vm: 'vm-web-02', osType: 'Linux', sku: 'Premium_LRS' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'data_disk.v2-(old)', sizeMiB: 48, writtenMiB: 2, diskState: 'Unattached', sku: 'StandardSSD_LRS' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'web-exported', ...small, diskState: 'ActiveSAS', stateAfterRevoke: 'Unattached', sku: 'Standard_LRS' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'web-logs', sizeMiB: 64, writtenMiB: 4, diskState: 'Unattached', sku: 'Standard_LRS' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-secure', name: 'cvm-os', ...small, diskState: 'Reserved', vm: 'vm-cvm-01', osType: 'Linux', sku: 'Premium_LRS', securityType: 'ConfidentialVM_DiskEncryptedWithPlatformKey', image: 'cvm' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-secure', name: 'tl-os', ...small, diskState: 'Unattached', osType: 'Windows', sku: 'Premium_LRS', securityType: 'TrustedLaunch' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-data', name: 'upload-target', sizeMiB: 32, writtenMiB: 0, diskState: 'ReadyToUpload', sku: 'Standard_LRS', createOption: 'Upload' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-data', name: 'big-data', sizeMiB: 1024, writtenMiB: 100, diskState: 'Unattached', sku: 'Premium_LRS' },
    { kind: 'snapshot', subscriptionId: SUB_DEV, resourceGroup: 'rg-data', name: 'web-data-01-full', ...small, diskState: 'Unattached', incremental: false, source: 'rg-web/web-data-01' },
    { kind: 'snapshot', subscriptionId: SUB_DEV, resourceGroup: 'rg-data', name: 'web-data-01-incr', ...small, diskState: 'Unattached', incremental: true, source: 'rg-web/web-data-01' },
    { kind: 'disk', subscriptionId: SUB_PROD, resourceGroup: 'rg-prod', name: 'prod-db-01', ...small, diskState: 'Unattached', sku: 'PremiumV2_LRS' },
    { kind: 'snapshot', subscriptionId: SUB_PROD, resourceGroup: 'rg-backup', name: 'prod-db-01-nightly', ...small, diskState: 'Unattached', incremental: true, source: `/subscriptions/${SUB_PROD}/resourceGroups/rg-prod/providers/Microsoft.Compute/disks/prod-db-01`, instantAccessSeconds: 0 },
    // A Premium SSD v2 disk of 4096-byte sectors, and a snapshot of it still in InstantAccess.
    { kind: 'disk', subscriptionId: SUB_PROD, resourceGroup: 'rg-prod', name: 'prod-db-4k', ...small, diskState: 'Unattached', sku: 'PremiumV2_LRS', logicalSectorSize: 4096 },
    { kind: 'snapshot', subscriptionId: SUB_PROD, resourceGroup: 'rg-backup', name: 'prod-db-4k-instant', ...small, diskState: 'Unattached', incremental: true, sku: 'PremiumV2_LRS', source: `/subscriptions/${SUB_PROD}/resourceGroups/rg-prod/providers/Microsoft.Compute/disks/prod-db-4k`, logicalSectorSize: 4096, instantAccessSeconds: 300 },
    { kind: 'disk', subscriptionId: SUB_OTHER, resourceGroup: 'rg-fabrikam', name: 'fabrikam-data', ...small, diskState: 'Unattached', sku: 'Standard_LRS' },
    // OS disks of VMs since deleted, with the partitions and file systems their OS installs (images.ts).
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-os-disks', name: 'ubuntu-os', sizeMiB: 256, writtenMiB: 2, diskState: 'Unattached', osType: 'Linux', sku: 'Premium_LRS', hyperVGeneration: 'V2', image: 'ubuntu' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-os-disks', name: 'windows-os', sizeMiB: 256, writtenMiB: 2, diskState: 'Unattached', osType: 'Windows', sku: 'Premium_LRS', hyperVGeneration: 'V2', image: 'windows' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-os-disks', name: 'rhel-os', sizeMiB: 704, writtenMiB: 2, diskState: 'Unattached', osType: 'Linux', sku: 'StandardSSD_LRS', hyperVGeneration: 'V2', image: 'rhel' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-locked', name: 'aad-data', ...small, diskState: 'Unattached', sku: 'Premium_LRS', dataAccessAuthMode: 'AzureActiveDirectory' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-locked', name: 'private-data', ...small, diskState: 'Unattached', sku: 'Standard_LRS', networkAccessPolicy: 'AllowPrivate' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-locked', name: 'denyall-data', ...small, diskState: 'Unattached', sku: 'Standard_LRS', networkAccessPolicy: 'DenyAll' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-data', name: HISTORY_DISK.name, ...small, diskState: 'Unattached', sku: 'Premium_LRS', history: { generation: HISTORY_DISK.generation }, timeCreated: '2025-02-01T02:00:00.0000000+00:00' },
    ...HISTORY_SNAPSHOTS.map((h): SeedResource => ({ kind: 'snapshot', subscriptionId: SUB_DEV, resourceGroup: 'rg-data', name: h.name, ...small, diskState: 'Unattached', incremental: true, source: `rg-data/${HISTORY_DISK.name}`, history: { generation: h.generation }, timeCreated: h.timeCreated })),
    { kind: 'diskRestorePoint', subscriptionId: SUB_DEV, resourceGroup: 'rg-secure', name: 'cvm-os_5b0c3e1a-7d2f-4c8e-9a61-2e4f8b0d6c13', ...small, diskState: 'Unattached', osType: 'Linux', securityType: 'ConfidentialVM_DiskEncryptedWithPlatformKey', source: 'rg-secure/cvm-os', restorePoint: { collection: 'rpc-vm-cvm-01', point: 'rp-20250601' } },
    { kind: 'diskRestorePoint', subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'web-os-02_8e1d4a7c-2b9f-4e3a-b5c6-0d7e9f1a2b34', ...small, diskState: 'Unattached', osType: 'Linux', source: 'rg-web/web-os-02', restorePoint: { collection: 'rpc-vm-web-02', point: 'rp-20250601' } },
];

export const restorePointCollections: SeedRestorePointCollection[] = [
    { subscriptionId: SUB_DEV, resourceGroup: 'rg-secure', name: 'rpc-vm-cvm-01', vm: 'vm-cvm-01', restorePoints: [{ name: 'rp-20250601', timeCreated: '2025-06-01T02:00:00.0000000+00:00' }] },
    { subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'rpc-vm-web-02', vm: 'vm-web-02', restorePoints: [{ name: 'rp-20250601', timeCreated: '2025-06-01T03:00:00.0000000+00:00' }, { name: 'rp-20250701', timeCreated: '2025-07-01T03:00:00.0000000+00:00', provisioningState: 'Creating' }] },
    // A collection whose restore points have all been deleted.
    { subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'rpc-vm-web-01', vm: 'vm-web-01', restorePoints: [] },
];

/**
 * `npm run demo` only: disks of the sizes VMs really have, mostly holes as real disks are. Their
 * blobs are the disk's size + 512 bytes (the fixed VHD footer), so a download moves what is
 * written and a progress reads "2.0 GiB written of 64 GiB". Seeded once into the seed cache: a
 * start after the first copies only the written data. The test tiers leave them out.
 */
export const demoResourceGroups: SeedResourceGroup[] = [{ subscriptionId: SUB_DEV, name: 'rg-app', location: 'westeurope' }];

export const demoResources: SeedResource[] = [
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-app', name: 'app-os-01', sizeMiB: 64 * 1024, writtenMiB: 2048, diskState: 'Unattached', osType: 'Linux', sku: 'Premium_LRS' },
    { kind: 'disk', subscriptionId: SUB_DEV, resourceGroup: 'rg-app', name: 'app-data-01', sizeMiB: 32 * 1024, writtenMiB: 200, diskState: 'Unattached', sku: 'StandardSSD_LRS' },
];

/** A blob in a storage account, for ImportSecure: `vhd` a fixed VHD, `raw` a page blob without footer, `block` a block blob. */
export interface SeedImportBlob { container: string; blob: string; kind: 'vhd' | 'raw' | 'block'; sizeMiB: number; writtenMiB: number }

/** Storage accounts (Microsoft.Storage/storageAccounts): each is its own Azurite account behind the proxy. */
export interface SeedStorageAccount { subscriptionId: string; resourceGroup: string; name: string; location: string; blobs: SeedImportBlob[] }

const importSet: SeedImportBlob[] = [
    { container: 'osimages', blob: 'osimage.vhd', kind: 'vhd', sizeMiB: 32, writtenMiB: 2 },
    { container: 'osimages', blob: 'vmgs.vhd', kind: 'vhd', sizeMiB: 4, writtenMiB: 1 },
    { container: 'osimages', blob: 'vmmd.vhd', kind: 'vhd', sizeMiB: 1, writtenMiB: 0.0625 },
    { container: 'osimages', blob: 'raw.img', kind: 'raw', sizeMiB: 4, writtenMiB: 1 },
    { container: 'osimages', blob: 'block.vhd', kind: 'block', sizeMiB: 1, writtenMiB: 1 },
];

export const storageAccounts: SeedStorageAccount[] = [
    { subscriptionId: SUB_DEV, resourceGroup: 'rg-secure', name: 'stcontosoeastus', location: 'eastus', blobs: importSet },
    { subscriptionId: SUB_DEV, resourceGroup: 'rg-web', name: 'stcontosowesteu', location: 'westeurope', blobs: importSet.slice(0, 1) },
    { subscriptionId: SUB_OTHER, resourceGroup: 'rg-fabrikam', name: 'stfabrikamwestus3', location: 'westus3', blobs: [] },
];

/** Scale mode: 5,000 metadata-only disks across 50 resource groups of the production subscription. */
export function scaleSeed(): { groups: SeedResourceGroup[]; disks: SeedResource[] } {
    const groups: SeedResourceGroup[] = [];
    const disks: SeedResource[] = [];
    for (let g = 0; g < 50; g++) {
        const rg = `rg-scale-${String(g).padStart(2, '0')}`;
        groups.push({ subscriptionId: SUB_PROD, name: rg, location: 'eastus2' });
        for (let d = 0; d < 100; d++) {
            disks.push({
                kind: 'disk', subscriptionId: SUB_PROD, resourceGroup: rg, name: `scale-${String(g).padStart(2, '0')}-${String(d).padStart(3, '0')}`,
                sizeMiB: 32, writtenMiB: 1, diskState: 'Unattached', sku: 'Standard_LRS', sharedBlob: true,
            });
        }
    }
    return { groups, disks };
}
