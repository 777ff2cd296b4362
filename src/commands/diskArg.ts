/** Handlers take `(arg?: { disk } | DiskRef)`: a tree node, a ref from the webview, or nothing (palette → picker). */
import type { DiskInfo, DiskRef } from '../azure/types';
import type { Services } from '../services';
import { pickDisk } from './pickDisk';

function isRef(v: unknown): v is DiskRef {
    const r = v as Partial<DiskRef> | undefined;
    return !!r && typeof r === 'object' && typeof r.id === 'string' && typeof r.name === 'string' && typeof r.subscriptionId === 'string' && typeof r.resourceGroup === 'string' && typeof r.tenantId === 'string';
}

export function refOf(d: DiskRef): DiskRef {
    return { tenantId: d.tenantId, subscriptionId: d.subscriptionId, resourceGroup: d.resourceGroup, name: d.name, kind: d.kind === 'snapshot' ? 'snapshot' : 'disk', id: d.id };
}

/** The ref the caller gave, if any. */
export function refFromArg(arg: unknown): DiskRef | undefined {
    const node = arg as { disk?: unknown } | undefined;
    if (node && typeof node === 'object' && isRef(node.disk)) return refOf(node.disk);
    if (isRef(arg)) return refOf(arg);
    return undefined;
}

/** Fresh disk info (state matters for what may be done next); picked when no argument came. */
export async function resolveDiskInfo(services: Services, arg: unknown, opts: { filter?: (d: DiskInfo) => boolean; placeHolder?: string } = {}): Promise<{ disk: DiskInfo; fromPalette: boolean }> {
    const ref = refFromArg(arg);
    if (!ref) return { disk: await pickDisk(services, opts), fromPalette: true };
    return { disk: await services.disks.getDisk(ref), fromPalette: false };
}
