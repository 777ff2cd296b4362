/** Rebuilding a DiskRef from its ARM id (what a restored panel and a pending download keep). No vscode import. */
import type { DiskRef } from './types';

const DISK_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(disks|snapshots)\/([^/]+)$/i;

export function diskRefFromId(id: string, tenantId: string): DiskRef | undefined {
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
