/**
 * Azure's disk states and what each allows (see the facts doc: Unattached, Attached, Reserved,
 * Frozen, ActiveSAS, ActiveSASFrozen, ReadyToUpload, ActiveUpload). The one place these rules live.
 */

/** States with a SAS outstanding: a Read grant (ActiveSAS, ActiveSASFrozen) or a Write grant (ActiveUpload). */
const ACTIVE_SAS = new Set(['ActiveSAS', 'ActiveSASFrozen', 'ActiveUpload']);
/** Access can be granted to a free disk, a disk of a deallocated VM, and a disk created for upload. */
const GRANTABLE = new Set(['Unattached', 'Reserved', 'ReadyToUpload']);
/** A disk's data can be read when it is not attached to a running VM and not waiting for or receiving an upload. */
const READABLE = new Set(['Unattached', 'Reserved', 'ActiveSAS', 'Frozen', 'ActiveSASFrozen']);

interface HasState {
    diskState?: string;
}

export function hasActiveSas(disk: HasState): boolean {
    return !!disk.diskState && ACTIVE_SAS.has(disk.diskState);
}

/** Snapshots report no state in some API versions; a missing state counts as grantable. */
export function canGrant(disk: HasState): boolean {
    return !disk.diskState || GRANTABLE.has(disk.diskState);
}

export function canDownload(disk: HasState): boolean {
    return !disk.diskState || READABLE.has(disk.diskState);
}

/** Write access exists only for disks created for upload. */
export function canGrantWrite(disk: HasState): boolean {
    return disk.diskState === 'ReadyToUpload';
}

interface HasAccessPolicy {
    dataAccessAuthMode?: string;
    networkAccessPolicy?: string;
}

/** Export protected by Entra ID: every blob request also needs a token for the disk data plane. */
export function needsDiskToken(disk: HasAccessPolicy): boolean {
    return disk.dataAccessAuthMode === 'AzureActiveDirectory';
}

/** A SAS of such a disk works only through a private endpoint (AllowPrivate) or not at all (DenyAll). */
export function isPrivateOnly(disk: HasAccessPolicy): boolean {
    return disk.networkAccessPolicy === 'AllowPrivate' || disk.networkAccessPolicy === 'DenyAll';
}

interface HasSnapshotAccess {
    kind?: string;
    snapshotAccessState?: string;
    logicalSectorSize?: number;
}

/** Premium SSD v2 and Ultra snapshots whose data can be downloaded and copied to another region. */
const EXPORTABLE_ACCESS = new Set(['Available', 'AvailableWithInstantAccess']);

/**
 * A Premium SSD v2 or Ultra snapshot still in InstantAccess (or Pending): it restores disks, but
 * its data cannot be downloaded or copied to another region yet. Other snapshots say no state.
 */
export function awaitsSnapshotAccess(disk: HasSnapshotAccess): boolean {
    const state = disk.snapshotAccessState;
    return disk.kind === 'snapshot' && !!state && state !== 'Unknown' && !EXPORTABLE_ACCESS.has(state);
}

/** Snapshots (and restore points) of 4096-byte-sector disks are exported as VHDX only. */
export function exportsVhdxOnly(disk: HasSnapshotAccess): boolean {
    return disk.kind !== 'disk' && disk.logicalSectorSize === 4096;
}
