/** How a disk or snapshot row looks: contextValue tokens, icon, description, tooltip. No vscode import. */
import { awaitsSnapshotAccess, canGrant, hasActiveSas, isPrivateOnly, needsDiskToken } from '../shared/diskStates';
import { formatBytes } from '../shared/format';
import type { DiskInfo } from '../shared/types';

export function securityToken(securityType: string | undefined): string | undefined {
    if (!securityType) return undefined;
    if (/^ConfidentialVM/i.test(securityType)) return 'confidential';
    if (/^TrustedLaunch/i.test(securityType)) return 'trustedLaunch';
    return 'secure';
}

const CONTEXT_KIND: Record<DiskInfo['kind'], string> = { disk: 'azureDisk', snapshot: 'azureSnapshot', diskRestorePoint: 'azureDiskRestorePoint' };

/** What a row is called in words: Disk, Snapshot, Disk restore point. */
export function kindLabel(kind: DiskInfo['kind']): string {
    return kind === 'snapshot' ? 'Snapshot' : kind === 'diskRestorePoint' ? 'Disk restore point' : 'Disk';
}

/** The last segment of an ARM id (a disk restore point's source disk). */
function nameOf(id: string | undefined): string | undefined {
    return id ? id.split('/').filter(Boolean).pop() : undefined;
}

/**
 * `azureDisk;state-ActiveSAS;confidential;secure;canRevoke;sas;` (a snapshot may add `incremental;`) — match with anchored regexes,
 * e.g. `viewItem =~ /^azure(Disk|Snapshot);.*\bcanRevoke;/`. A disk waiting for or receiving an
 * upload has no data to read yet: menus leave out its reads with `(?!state-(ReadyToUpload|ActiveUpload);)`.
 */
export function diskContextValue(disk: DiskInfo, opts: { liveGrant?: boolean; busy?: boolean; note?: 'incompleteUpload' | 'temporarySnapshot' } = {}): string {
    const tokens = [CONTEXT_KIND[disk.kind]];
    tokens.push(`state-${disk.diskState ?? 'Unknown'}`);
    const sec = securityToken(disk.securityType);
    if (sec) {
        if (sec !== 'secure') tokens.push(sec);
        tokens.push('secure');
    }
    // Changes are listed only between incremental snapshots: Download Changes Only… and Update Earlier Download… need one.
    if (disk.kind === 'snapshot' && disk.incremental === true) tokens.push('incremental');
    if (disk.attachedVm) tokens.push('attached');
    if (needsDiskToken(disk)) tokens.push('entra');
    if (isPrivateOnly(disk)) tokens.push('private');
    if (opts.note === 'incompleteUpload') tokens.push('incomplete');
    if (opts.note === 'temporarySnapshot') tokens.push('temporary');
    if (!opts.busy) {
        if (canGrant(disk)) tokens.push('canGrant');
        // Azure reports no state for a disk restore point, so whether a SAS is out is unknown: Revoke is always offered.
        if (hasActiveSas(disk) || disk.kind === 'diskRestorePoint') tokens.push('canRevoke');
        if (opts.liveGrant) tokens.push('sas');
    } else {
        tokens.push('busy');
    }
    return tokens.join(';') + ';';
}

/**
 * The disk's size: whole GiB as Azure shows it, but the exact size from `diskSizeBytes` when it is
 * not a whole GiB (`diskSizeGB` is rounded up: a 32 MiB disk reports 1 GB).
 */
export function formatSize(disk: DiskInfo): string | undefined {
    if (disk.sizeBytes !== undefined && disk.sizeBytes % 1024 ** 3 !== 0) return formatBytes(disk.sizeBytes).replace(/\.0 /, ' ');
    if (disk.sizeGiB !== undefined) return `${disk.sizeGiB} GiB`;
    if (disk.sizeBytes !== undefined) return `${disk.sizeBytes / 1024 ** 3} GiB`;
    return undefined;
}

export function securityLabel(securityType: string | undefined): string | undefined {
    const t = securityToken(securityType);
    return t === 'confidential' ? 'Confidential' : t === 'trustedLaunch' ? 'Trusted launch' : t ? 'Secure' : undefined;
}

/**
 * Row description: size, state, VM, security — "128 GiB · Attached to vm-1",
 * "30 GiB · ActiveSAS · vm-cvm-01 · Confidential". The busy text replaces it while work runs.
 */
export function diskDescription(disk: DiskInfo, busy?: string): string {
    if (busy) return busy;
    const parts: string[] = [];
    if (disk.kind === 'diskRestorePoint' && nameOf(disk.sourceResourceId)) parts.push(`of ${nameOf(disk.sourceResourceId)}`);
    const size = formatSize(disk);
    if (size) parts.push(size);
    const vm = disk.attachedVm;
    if (disk.diskState === 'Attached') parts.push(vm ? `Attached to ${vm}` : 'Attached');
    else if (disk.diskState === 'Reserved') parts.push(vm ? `Reserved (${vm} deallocated)` : 'Reserved');
    else {
        if (disk.diskState) parts.push(disk.diskState);
        if (vm) parts.push(vm);
    }
    // A Premium SSD v2 / Ultra snapshot not yet exportable says so on its row.
    if (awaitsSnapshotAccess(disk)) parts.push(disk.snapshotAccessState!);
    const sec = securityLabel(disk.securityType);
    if (sec) parts.push(sec);
    if (needsDiskToken(disk)) parts.push('Entra ID');
    if (disk.networkAccessPolicy === 'DenyAll') parts.push('No network access');
    else if (disk.networkAccessPolicy === 'AllowPrivate') parts.push('Private only');
    return parts.join(' · ');
}

export interface IconSpec {
    /** codicon id */
    id: string;
    /** theme color id, for states that need attention */
    color?: string;
}

export function diskIcon(disk: DiskInfo, busy?: boolean): IconSpec {
    if (busy) return { id: 'loading~spin' };
    switch (disk.diskState) {
        case 'ActiveSAS':
        case 'ActiveSASFrozen':
            return { id: 'unlock', color: 'list.warningForeground' };
        case 'ActiveUpload':
        case 'ReadyToUpload':
            return { id: 'cloud-upload', color: disk.diskState === 'ActiveUpload' ? 'list.warningForeground' : undefined };
        case 'Attached':
            return { id: 'vm-running' };
        case 'Reserved':
            return { id: 'vm-outline' };
        case 'Frozen':
            return { id: 'lock' };
    }
    if (isPrivateOnly(disk)) return { id: 'shield' };
    if (needsDiskToken(disk)) return { id: 'workspace-trusted' };
    return { id: disk.kind === 'snapshot' ? 'device-camera' : disk.kind === 'diskRestorePoint' ? 'history' : 'database' };
}

/**
 * Tooltip lines (markdown-free text), at most four so the tooltip does not cover the rows below:
 * what and which, size · SKU · OS · location, state (and VM), security or snapshot kind.
 */
export function diskTooltipLines(disk: DiskInfo): string[] {
    const lines = [`${kindLabel(disk.kind)}: ${disk.name}`];
    if (disk.kind === 'diskRestorePoint' && disk.sourceResourceId) lines.push(`Of disk: ${nameOf(disk.sourceResourceId)}`);
    // A handful of short lines: a tooltip of 7-9 lines covered the rows below.
    const facts = [formatSize(disk), disk.sku, disk.osType, disk.location].filter(Boolean);
    if (facts.length) lines.push(facts.join(' · '));
    if (disk.diskState) lines.push(`State: ${disk.diskState}${disk.attachedVm ? ` (${disk.attachedVm})` : ''}`);
    const extra = [disk.securityType ? `Security: ${disk.securityType}` : undefined, disk.kind === 'snapshot' && disk.incremental !== undefined ? (disk.incremental ? 'Incremental snapshot' : 'Full snapshot') : undefined, disk.snapshotAccessState ? `Snapshot access: ${disk.snapshotAccessState}` : undefined].filter(Boolean);
    if (extra.length) lines.push(extra.join(' · '));
    const access = [
        networkLabel(disk) ? `Network access: ${networkLabel(disk)}` : undefined,
        disk.diskAccessId ? `Disk access: ${disk.diskAccessId.split('/').pop()}` : undefined,
        needsDiskToken(disk) ? 'Data access: Entra ID (needs the "Data Operator for Managed Disks" role)' : disk.dataAccessAuthMode ? `Data access: ${disk.dataAccessAuthMode}` : undefined,
    ].filter(Boolean);
    if (access.length) lines.push(access.join(' · '));
    if (disk.timeCreated) lines.push(`Created: ${disk.timeCreated.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`);
    return lines;
}

function networkLabel(disk: DiskInfo): string | undefined {
    switch (disk.networkAccessPolicy) {
        case 'AllowAll':
            return disk.publicNetworkAccess === 'Disabled' ? 'public network access disabled' : 'all networks';
        case 'AllowPrivate':
            return 'private endpoint only (through a disk access)';
        case 'DenyAll':
            return 'none (export disabled)';
    }
    return disk.networkAccessPolicy;
}
