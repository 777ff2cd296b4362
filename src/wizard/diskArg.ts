/** Handlers take `(arg?: { disk } | DiskRef)`: a tree node, a ref from the webview, or nothing (palette → picker). */
import type { Services } from '../platform/services';
import { isDiskKind, type DiskInfo, type DiskRef } from '../shared/types';
import { pickDisk } from './pickDisk';

function isRef(v: unknown): v is DiskRef {
    const r = v as Partial<DiskRef> | undefined;
    return !!r && typeof r === 'object' && typeof r.id === 'string' && typeof r.name === 'string' && typeof r.subscriptionId === 'string' && typeof r.resourceGroup === 'string' && typeof r.tenantId === 'string';
}

export function refOf(d: DiskRef): DiskRef {
    return { tenantId: d.tenantId, subscriptionId: d.subscriptionId, resourceGroup: d.resourceGroup, name: d.name, kind: isDiskKind(d.kind) ? d.kind : 'disk', id: d.id };
}

/** The ref the caller gave, if any. */
export function refFromArg(arg: unknown): DiskRef | undefined {
    const node = arg as { disk?: unknown } | undefined;
    if (node && typeof node === 'object' && isRef(node.disk)) return refOf(node.disk);
    if (isRef(arg)) return refOf(arg);
    return undefined;
}

export interface ResolveOptions {
    /** Which disks the palette's picker offers. */
    filter?: (d: DiskInfo) => boolean;
    placeHolder?: string;
}

/**
 * The disk a command is about, without asking the service again: a DiskInfo passed in (a tree
 * node) is kept for its size; from the palette, the picked one.
 */
export async function resolveDisk(services: Services, arg: unknown, opts: ResolveOptions = {}): Promise<{ ref: DiskRef; info?: DiskInfo; fromPalette: boolean }> {
    const ref = refFromArg(arg);
    if (ref) {
        const candidate = ((arg as { disk?: unknown })?.disk ?? arg) as Partial<DiskInfo>;
        const info = typeof candidate.location === 'string' ? (candidate as DiskInfo) : undefined;
        return { ref, info, fromPalette: false };
    }
    const picked = await pickDisk(services, opts);
    return { ref: refOf(picked), info: picked, fromPalette: true };
}

/** Fresh disk info (its state decides what may be done next); picked when no argument came. */
export async function resolveDiskInfo(services: Services, arg: unknown, opts: ResolveOptions = {}): Promise<{ disk: DiskInfo; fromPalette: boolean }> {
    const r = await resolveDisk(services, arg, opts);
    if (r.fromPalette && r.info) return { disk: r.info, fromPalette: true };
    return { disk: await services.disks.getDisk(r.ref), fromPalette: false };
}
