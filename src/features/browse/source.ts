/**
 * What an `azure-disk:` URI names, with no secret in it: `azure-disk://<session>/<path>?<source>`.
 * The authority is the session (a random id; the open device lives in memory under it), the query
 * says which disk or image it is (a disk's ARM reference or a local image path, base64url JSON),
 * so a window that reloads with the folder still in its workspace can open the disk again. A SAS
 * is never part of it. The query arrives from outside (a workspace file): it is checked field by
 * field. No vscode import.
 */
import { isDiskKind, type DiskRef } from '../../shared/types';

export const SCHEME = 'azure-disk';

export type BrowseSource = { type: 'disk'; ref: DiskRef } | { type: 'image'; path: string };

const MAX_QUERY = 4096;

export function encodeSource(s: BrowseSource): string {
    const body = s.type === 'disk' ? { disk: { tenantId: s.ref.tenantId, subscriptionId: s.ref.subscriptionId, resourceGroup: s.ref.resourceGroup, name: s.ref.name, kind: s.ref.kind, id: s.ref.id } } : { image: s.path };
    return 'src=' + Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

const str = (v: unknown, max = 1024): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && !/[\0\r\n]/.test(v);

/** The source a URI's query names, or undefined when it names none or is malformed. */
export function decodeSource(query: string): BrowseSource | undefined {
    if (query.length > MAX_QUERY) return undefined;
    const m = /(?:^|&)src=([A-Za-z0-9_-]+)(?:&|$)/.exec(query);
    if (!m) return undefined;
    let body: unknown;
    try {
        body = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
    } catch {
        return undefined;
    }
    const o = body as { disk?: Partial<DiskRef>; image?: unknown };
    if (o && typeof o === 'object' && typeof o.image === 'string') {
        return str(o.image, 4000) ? { type: 'image', path: o.image } : undefined;
    }
    const d = o?.disk;
    if (!d || typeof d !== 'object') return undefined;
    if (!str(d.tenantId) || !str(d.subscriptionId) || !str(d.resourceGroup) || !str(d.name) || !str(d.id) || !isDiskKind(d.kind)) return undefined;
    // The id must be the resource the other fields name: no granting one disk under another's name.
    const id = d.id.toLowerCase();
    if (!id.startsWith(`/subscriptions/${d.subscriptionId.toLowerCase()}/resourcegroups/${d.resourceGroup.toLowerCase()}/`) || !id.endsWith(`/${d.name.toLowerCase()}`)) return undefined;
    return { type: 'disk', ref: { tenantId: d.tenantId, subscriptionId: d.subscriptionId, resourceGroup: d.resourceGroup, name: d.name, kind: d.kind, id: d.id } };
}

/** A new session id: the URI's authority (lower-case hex, which every URI parser keeps as it is). */
export function newSessionId(random: (n: number) => Buffer): string {
    return random(8).toString('hex');
}

/** Whether an authority is one of ours (and so safe to use as a map key). */
export function isSessionId(s: string): boolean {
    return /^[0-9a-f]{16}$/.test(s);
}

/** The same source, for "already open" checks. */
export function sameSource(a: BrowseSource, b: BrowseSource): boolean {
    if (a.type === 'disk' && b.type === 'disk') return a.ref.id.toLowerCase() === b.ref.id.toLowerCase();
    return a.type === 'image' && b.type === 'image' && a.path === b.path;
}

/** What a workspace folder of the source is called. */
export function sourceLabel(s: BrowseSource, basename: (p: string) => string): string {
    return s.type === 'disk' ? s.ref.name : basename(s.path);
}
