/** The shapes the tree, the commands, the webview and the download code share. No vscode import. */

/** A disk restore point is a disk's copy inside a VM restore point (restorePointCollections/{c}/restorePoints/{rp}/diskRestorePoints/{drp}). */
export type DiskKind = 'disk' | 'snapshot' | 'diskRestorePoint';

export function isDiskKind(v: unknown): v is DiskKind {
    return v === 'disk' || v === 'snapshot' || v === 'diskRestorePoint';
}

/** Which blob of a grant: the disk itself, VM guest state (VMGS) or VM metadata (VMMD). */
export type BlobKind = 'disk' | 'vmgs' | 'vmmd';
export const BLOB_KINDS: readonly BlobKind[] = ['disk', 'vmgs', 'vmmd'];
export const BLOB_LABELS: Readonly<Record<BlobKind, string>> = { disk: 'Disk', vmgs: 'VM guest state', vmmd: 'VM metadata' };

export function isBlobKind(v: unknown): v is BlobKind {
    return v === 'disk' || v === 'vmgs' || v === 'vmmd';
}

export interface DiskRef {
    tenantId: string;
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    kind: DiskKind;
    /** Full ARM resource id (lower-case comparisons only). */
    id: string;
}

export interface DiskInfo extends DiskRef {
    location: string;
    sizeGiB?: number;
    sizeBytes?: number;
    sku?: string;
    osType?: string;
    /** e.g. 'TrustedLaunch', 'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey', undefined when no security profile. */
    securityType?: string;
    /** Unattached, Attached, Reserved, Frozen, ActiveSAS, ActiveSASFrozen, ReadyToUpload, ActiveUpload */
    diskState?: string;
    /** Name of the VM the disk is attached to (from managedBy), if any. */
    attachedVm?: string;
    timeCreated?: Date;
    /** Snapshots only. */
    incremental?: boolean;
    /** Incremental snapshots only: the family of all snapshots of one disk; changes are listed only between snapshots of one family. */
    incrementalSnapshotFamilyId?: string;
    /** Snapshots only: how much of the data Azure has copied in (absent or 100 when readable). */
    completionPercent?: number;
    /** 'AzureActiveDirectory' when blob requests also need a bearer token for the disk data plane. */
    dataAccessAuthMode?: string;
    /** AllowAll, AllowPrivate (through a disk access only) or DenyAll. */
    networkAccessPolicy?: string;
    /** Enabled or Disabled. */
    publicNetworkAccess?: string;
    /** The disk access resource a private-only disk is reached through. */
    diskAccessId?: string;
    /** Snapshots and disk restore points: the disk they were taken from (ARM id). */
    sourceResourceId?: string;
    /**
     * Premium SSD v2 and Ultra snapshots: InstantAccess (restorable, not yet exportable), Available,
     * AvailableWithInstantAccess, Pending or Unknown; absent for other snapshots.
     */
    snapshotAccessState?: string;
    /** 512 or 4096 when Azure says (Premium SSD v2 and Ultra disks and their snapshots). */
    logicalSectorSize?: number;
}

/** A VM's restore point collection (Microsoft.Compute/restorePointCollections), as the tree lists it. */
export interface RestorePointCollectionInfo {
    tenantId: string;
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    id: string;
    location: string;
    /** The VM the collection's restore points are taken of (its name). */
    sourceVm?: string;
}

/** One VM restore point of a collection. */
export interface RestorePointInfo {
    tenantId: string;
    subscriptionId: string;
    resourceGroup: string;
    collection: string;
    name: string;
    id: string;
    location: string;
    timeCreated?: Date;
    provisioningState?: string;
    /** How many disks the restore point holds (from its source metadata), when Azure says. */
    diskCount?: number;
}

/** A disk to create for upload. */
export interface NewUploadDisk {
    name: string;
    /** UploadPreparedSecure when the VM guest state (and VM metadata) blobs are uploaded too. */
    createOption: 'Upload' | 'UploadPreparedSecure';
    location: string;
    sku: string;
    osType?: 'Linux' | 'Windows';
    hyperVGeneration?: 'V1' | 'V2';
    /** TrustedLaunch or a ConfidentialVM_* type; undefined for none. */
    securityType?: string;
    /** The page blob's size: a whole number of MiB + 512 (the VHD footer). */
    uploadSizeBytes: number;
}

/** A snapshot to make of a disk (or another snapshot), in the source's resource group and region. */
export interface NewSnapshot {
    name: string;
    /** Incremental: only the changes since the family's last snapshot are billed; readable like a full one. */
    incremental: boolean;
}

export interface GrantRequest {
    access: 'Read' | 'Write';
    durationInSeconds: number;
    /** Snapshots only. */
    fileFormat?: 'VHD' | 'VHDX';
    getSecureVMGuestStateSAS?: boolean;
}

/** The outcome of a grant. Lives in memory only: never persisted, logged or sent to telemetry. */
export interface Grant {
    ref: DiskRef;
    access: 'Read' | 'Write';
    fileFormat: 'VHD' | 'VHDX';
    grantedAt: Date;
    expiresAt: Date;
    /** SAS URLs by blob. Secrets. */
    urls: Partial<Record<BlobKind, string>>;
}

export interface TenantInfo {
    tenantId: string;
    displayName?: string;
}

export interface SubscriptionInfo {
    tenantId: string;
    subscriptionId: string;
    displayName: string;
}

export interface ResourceGroupInfo {
    tenantId: string;
    subscriptionId: string;
    name: string;
    location: string;
}
