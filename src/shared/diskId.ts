/** Rebuilding a DiskRef from its ARM id (what a restored panel and a pending download keep). No vscode import. */
import type { DiskRef } from './types';

const DISK_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(disks|snapshots)\/([^/]+)$/i;
const RESTORE_POINT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/restorePointCollections\/([^/]+)\/restorePoints\/([^/]+)\/diskRestorePoints\/([^/]+)$/i;

/** The collection and VM restore point a disk restore point's id names. */
export function restorePointPath(id: string): { subscriptionId: string; resourceGroup: string; collection: string; restorePoint: string; name: string } | undefined {
    const m = RESTORE_POINT_ID.exec(id);
    return m ? { subscriptionId: m[1], resourceGroup: m[2], collection: m[3], restorePoint: m[4], name: m[5] } : undefined;
}

export function diskRefFromId(id: string, tenantId: string): DiskRef | undefined {
    const rp = restorePointPath(id);
    if (rp) return { tenantId, subscriptionId: rp.subscriptionId, resourceGroup: rp.resourceGroup, kind: 'diskRestorePoint', name: rp.name, id };
    const m = DISK_ID.exec(id);
    if (!m) return undefined;
    return {
        tenantId,
        subscriptionId: m[1],
        resourceGroup: m[2],
        kind: m[3].toLowerCase() === 'snapshots' ? 'snapshot' : 'disk',
        name: m[4],
        id,
    };
}
