/** What the access commands accept: a tree node `{ disk }`, a DiskRef/DiskInfo, or nothing (then a picker). */
import type { DiskInfo, DiskRef } from '../azure/types';
import type { Services } from '../services';
import { pickDisk } from '../commands/pickDisk';

export type DiskArg = { disk: DiskInfo } | DiskRef | undefined;

function isRef(v: unknown): v is DiskRef {
    const r = v as Partial<DiskRef> | undefined;
    return !!r && typeof r === 'object' && typeof r.id === 'string' && typeof r.name === 'string' && typeof r.subscriptionId === 'string' && typeof r.resourceGroup === 'string';
}

/** The disk from the argument, as given (a DiskInfo keeps its size), or picked by the user. */
export async function resolveDisk(services: Services, arg: unknown, filter?: (d: DiskInfo) => boolean): Promise<{ ref: DiskRef; info?: DiskInfo }> {
    const node = arg as { disk?: unknown } | undefined;
    if (node && typeof node === 'object' && isRef(node.disk)) return { ref: toRef(node.disk), info: node.disk as DiskInfo };
    if (isRef(arg)) return { ref: toRef(arg), info: 'location' in arg ? (arg as DiskInfo) : undefined };
    const picked = await pickDisk(services, { filter });
    return { ref: toRef(picked), info: picked };
}

function toRef(d: DiskRef): DiskRef {
    return { tenantId: d.tenantId, subscriptionId: d.subscriptionId, resourceGroup: d.resourceGroup, name: d.name, kind: d.kind, id: d.id };
}
