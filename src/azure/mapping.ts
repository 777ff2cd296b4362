/** ARM resource → DiskInfo. Pure: takes plain objects, so tests need no SDK. */
import type { DiskInfo, DiskKind, Grant, GrantRequest, DiskRef, BlobKind } from '../shared/types';

export interface ArmDiskLike {
    id?: string;
    name?: string;
    location?: string;
    managedBy?: string;
    sku?: { name?: string };
    osType?: string;
    diskSizeGB?: number;
    diskSizeBytes?: number;
    diskState?: string;
    timeCreated?: Date | string;
    securityProfile?: { securityType?: string };
    incremental?: boolean;
    /** Incremental snapshots: the family all snapshots of one disk share (only those can be diffed). */
    incrementalSnapshotFamilyId?: string;
    /** Snapshots copied by CopyStart (or still being made): 100 when the data is all there. */
    completionPercent?: number;
    dataAccessAuthMode?: string;
    networkAccessPolicy?: string;
    publicNetworkAccess?: string;
    diskAccessId?: string;
    /** Premium SSD v2 and Ultra snapshots: whether their data can be exported yet. */
    snapshotAccessState?: string;
    creationData?: { logicalSectorSize?: number };
}

/** Resource group and subscription from an ARM id (case-insensitive segment names). */
export function parseResourceId(id: string): { subscriptionId?: string; resourceGroup?: string; name?: string } {
    const parts = id.split('/').filter(Boolean);
    const find = (key: string) => {
        const i = parts.findIndex((p) => p.toLowerCase() === key);
        return i >= 0 ? parts[i + 1] : undefined;
    };
    return { subscriptionId: find('subscriptions'), resourceGroup: find('resourcegroups'), name: parts[parts.length - 1] };
}

export function toDiskInfo(r: ArmDiskLike, kind: DiskKind, tenantId: string, subscriptionId: string, resourceGroup: string): DiskInfo {
    const id = r.id ?? '';
    const parsed = parseResourceId(id);
    const sizeBytes = r.diskSizeBytes ?? (r.diskSizeGB !== undefined ? r.diskSizeGB * 1024 ** 3 : undefined);
    const info: DiskInfo = {
        tenantId,
        subscriptionId: parsed.subscriptionId ?? subscriptionId,
        resourceGroup: parsed.resourceGroup ?? resourceGroup,
        name: r.name ?? parsed.name ?? '',
        kind,
        id,
        location: r.location ?? '',
        sizeGiB: r.diskSizeGB ?? (sizeBytes !== undefined ? Math.round(sizeBytes / 1024 ** 3) : undefined),
        sizeBytes,
        sku: r.sku?.name,
        osType: r.osType,
        securityType: r.securityProfile?.securityType || undefined,
        diskState: r.diskState,
        attachedVm: r.managedBy ? parseResourceId(r.managedBy).name : undefined,
        timeCreated: r.timeCreated ? new Date(r.timeCreated) : undefined,
    };
    if (kind === 'snapshot') {
        info.incremental = r.incremental;
        if (r.incrementalSnapshotFamilyId) info.incrementalSnapshotFamilyId = r.incrementalSnapshotFamilyId;
        if (typeof r.completionPercent === 'number') info.completionPercent = r.completionPercent;
        if (r.snapshotAccessState) info.snapshotAccessState = r.snapshotAccessState;
    }
    if (r.creationData?.logicalSectorSize) info.logicalSectorSize = r.creationData.logicalSectorSize;
    if (r.dataAccessAuthMode && r.dataAccessAuthMode !== 'None') info.dataAccessAuthMode = r.dataAccessAuthMode;
    if (r.networkAccessPolicy) info.networkAccessPolicy = r.networkAccessPolicy;
    if (r.publicNetworkAccess) info.publicNetworkAccess = r.publicNetworkAccess;
    if (r.diskAccessId) info.diskAccessId = r.diskAccessId;
    return info;
}

export interface AccessUriLike {
    accessSAS?: string;
    accessSas?: string;
    securityDataAccessSAS?: string;
    securityMetadataAccessSAS?: string;
}

export function toGrant(ref: DiskRef, request: GrantRequest, uri: AccessUriLike, now = new Date()): Grant {
    const urls: Partial<Record<BlobKind, string>> = {};
    const disk = uri.accessSAS ?? uri.accessSas;
    if (disk) urls.disk = disk;
    if (uri.securityDataAccessSAS) urls.vmgs = uri.securityDataAccessSAS;
    if (uri.securityMetadataAccessSAS) urls.vmmd = uri.securityMetadataAccessSAS;
    return {
        ref: { tenantId: ref.tenantId, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name, kind: ref.kind, id: ref.id },
        access: request.access,
        fileFormat: request.fileFormat ?? 'VHD',
        grantedAt: now,
        expiresAt: new Date(now.getTime() + request.durationInSeconds * 1000),
        urls,
    };
}
