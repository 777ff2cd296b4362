/**
 * VM restore points as the ARM side has them: collections (Microsoft.Compute/restorePointCollections)
 * of a resource group, their restore points, and each restore point's disk restore points, which are
 * granted and revoked like disks. Pure mapping plus thin SDK calls; no vscode import.
 */
import type { ComputeManagementClient } from '@azure/arm-compute';
import { restorePointPath } from '../shared/diskId';
import type { DiskInfo, DiskRef, GrantRequest, ResourceGroupInfo, RestorePointCollectionInfo, RestorePointInfo } from '../shared/types';
import { parseResourceId } from './mapping';

export interface ArmCollectionLike {
    id?: string;
    name?: string;
    location?: string;
    source?: { id?: string; location?: string };
    restorePoints?: ArmRestorePointLike[];
}

export interface ArmRestorePointLike {
    id?: string;
    name?: string;
    timeCreated?: Date | string;
    provisioningState?: string;
    sourceMetadata?: { location?: string; storageProfile?: { osDisk?: unknown; dataDisks?: unknown[] } };
}

export interface ArmDiskRestorePointLike {
    id?: string;
    name?: string;
    timeCreated?: Date | string;
    sourceResourceId?: string;
    sourceResourceLocation?: string;
    osType?: string;
    securityProfile?: { securityType?: string };
    networkAccessPolicy?: string;
    publicNetworkAccess?: string;
    diskAccessId?: string;
    completionPercent?: number;
    logicalSectorSize?: number;
}

export function toCollectionInfo(c: ArmCollectionLike, rg: ResourceGroupInfo): RestorePointCollectionInfo {
    return {
        tenantId: rg.tenantId,
        subscriptionId: rg.subscriptionId,
        resourceGroup: rg.name,
        name: c.name ?? parseResourceId(c.id ?? '').name ?? '',
        id: c.id ?? '',
        location: c.location ?? c.source?.location ?? rg.location,
        sourceVm: c.source?.id ? parseResourceId(c.source.id).name : undefined,
    };
}

export function toRestorePointInfo(p: ArmRestorePointLike, c: RestorePointCollectionInfo): RestorePointInfo {
    const storage = p.sourceMetadata?.storageProfile;
    const diskCount = storage ? (storage.osDisk ? 1 : 0) + (storage.dataDisks?.length ?? 0) : undefined;
    return {
        tenantId: c.tenantId,
        subscriptionId: c.subscriptionId,
        resourceGroup: c.resourceGroup,
        collection: c.name,
        name: p.name ?? parseResourceId(p.id ?? '').name ?? '',
        id: p.id ?? `${c.id}/restorePoints/${p.name ?? ''}`,
        location: p.sourceMetadata?.location ?? c.location,
        timeCreated: p.timeCreated ? new Date(p.timeCreated) : undefined,
        provisioningState: p.provisioningState,
        diskCount,
    };
}

/**
 * A disk restore point as a row of the tree. Azure reports no disk state for it (it is never
 * attached), so what may be done with it is not read from a state.
 */
export function toDiskRestorePointInfo(r: ArmDiskRestorePointLike, tenantId: string, fallbackLocation: string): DiskInfo {
    const id = r.id ?? '';
    const path = restorePointPath(id);
    const parsed = parseResourceId(id);
    const info: DiskInfo = {
        tenantId,
        subscriptionId: path?.subscriptionId ?? parsed.subscriptionId ?? '',
        resourceGroup: path?.resourceGroup ?? parsed.resourceGroup ?? '',
        name: r.name ?? path?.name ?? '',
        kind: 'diskRestorePoint',
        id,
        location: r.sourceResourceLocation ?? fallbackLocation,
        osType: r.osType,
        securityType: r.securityProfile?.securityType || undefined,
        timeCreated: r.timeCreated ? new Date(r.timeCreated) : undefined,
    };
    if (r.sourceResourceId) info.sourceResourceId = r.sourceResourceId;
    if (r.networkAccessPolicy) info.networkAccessPolicy = r.networkAccessPolicy;
    if (r.publicNetworkAccess) info.publicNetworkAccess = r.publicNetworkAccess;
    if (r.diskAccessId) info.diskAccessId = r.diskAccessId;
    if (typeof r.completionPercent === 'number') info.completionPercent = r.completionPercent;
    if (r.logicalSectorSize) info.logicalSectorSize = r.logicalSectorSize;
    return info;
}

/** The collection, restore point and name of a disk restore point's ref; throws on an id that is not one. */
export function restorePointArgs(ref: DiskRef): [string, string, string, string] {
    const p = restorePointPath(ref.id);
    if (!p) throw new Error(`${ref.name} is not a disk restore point id.`);
    return [p.resourceGroup, p.collection, p.restorePoint, p.name];
}

export async function* listCollections(compute: ComputeManagementClient, rg: ResourceGroupInfo, signal?: AbortSignal): AsyncIterable<RestorePointCollectionInfo> {
    for await (const c of compute.restorePointCollections.list(rg.name, { abortSignal: signal })) {
        yield toCollectionInfo(c as ArmCollectionLike, rg);
    }
}

/** A collection's restore points: Azure lists them only inside the collection ($expand=restorePoints), newest first here. */
export async function listRestorePoints(compute: ComputeManagementClient, c: RestorePointCollectionInfo, signal?: AbortSignal): Promise<RestorePointInfo[]> {
    const full = (await compute.restorePointCollections.get(c.resourceGroup, c.name, { expand: 'restorePoints', abortSignal: signal })) as ArmCollectionLike;
    return (full.restorePoints ?? [])
        .map((p) => toRestorePointInfo(p, c))
        .sort((a, b) => (b.timeCreated?.getTime() ?? 0) - (a.timeCreated?.getTime() ?? 0) || a.name.localeCompare(b.name));
}

export async function* listDiskRestorePoints(compute: ComputeManagementClient, p: RestorePointInfo, signal?: AbortSignal): AsyncIterable<DiskInfo> {
    for await (const d of compute.diskRestorePoint.listByRestorePoint(p.resourceGroup, p.collection, p.name, { abortSignal: signal })) {
        yield toDiskRestorePointInfo(d as ArmDiskRestorePointLike, p.tenantId, p.location);
    }
}

export async function getDiskRestorePoint(compute: ComputeManagementClient, ref: DiskRef, signal?: AbortSignal): Promise<DiskInfo> {
    const [rg, c, p, name] = restorePointArgs(ref);
    const d = await compute.diskRestorePoint.get(rg, c, p, name, { abortSignal: signal });
    return toDiskRestorePointInfo(d as ArmDiskRestorePointLike, ref.tenantId, '');
}

/** The body of a disk restore point's beginGetAccess (DiskRestorePoint_BeginGetAccess.json: fileFormat VHDX is offered). */
export function restorePointGrantData(request: GrantRequest): { access: 'Read' | 'Write'; durationInSeconds: number; fileFormat?: 'VHD' | 'VHDX'; getSecureVMGuestStateSAS?: boolean } {
    return {
        access: request.access,
        durationInSeconds: request.durationInSeconds,
        ...(request.fileFormat ? { fileFormat: request.fileFormat } : {}),
        ...(request.getSecureVMGuestStateSAS ? { getSecureVMGuestStateSAS: true } : {}),
    };
}
