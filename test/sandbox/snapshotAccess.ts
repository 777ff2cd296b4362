/**
 * Premium SSD v2 and Ultra snapshots' snapshotAccessState: InstantAccess (restorable, not
 * exportable) until Azure makes them Available, after the seeded seconds or a control call.
 */
import type * as seed from './seed';
import type { Resource } from './world';

export function initialSnapshotAccess(spec: seed.SeedResource): Resource['snapshotAccess'] {
    if (spec.instantAccessSeconds === undefined) return undefined;
    return spec.instantAccessSeconds > 0 ? { state: 'InstantAccess', availableAt: Date.now() + spec.instantAccessSeconds * 1000 } : { state: 'Available' };
}

/** The snapshotAccessState Azure reports now (InstantAccess turns Available when its time is up); undefined for other resources. */
export function snapshotAccessOf(r: Resource): string | undefined {
    const a = r.snapshotAccess;
    if (a?.availableAt !== undefined && Date.now() >= a.availableAt) {
        a.state = 'Available';
        delete a.availableAt;
    }
    return a?.state;
}

/** Data of a snapshot in InstantAccess (or Pending) cannot be exported: no SAS, no copy to another region. */
export function exportRefused(r: Resource): boolean {
    const state = snapshotAccessOf(r);
    return state === 'InstantAccess' || state === 'Pending';
}

/** The control call: `state` now, or InstantAccess that ends by itself after `seconds`. */
export function setSnapshotAccess(r: Resource, state: string, seconds?: number): void {
    if (r.kind !== 'snapshot') throw new Error(`${r.name} is not a snapshot`);
    r.snapshotAccess = seconds !== undefined && seconds > 0 ? { state, availableAt: Date.now() + seconds * 1000 } : { state };
}
