/** How a disk or snapshot row looks: contextValue tokens, icon, description, tooltip. No vscode import. */
import { canGrant, hasActiveSas, isPrivateOnly, needsDiskToken } from '../shared/diskStates';
import type { DiskInfo } from '../shared/types';

export function securityToken(securityType: string | undefined): string | undefined {
    if (!securityType) return undefined;
    if (/^ConfidentialVM/i.test(securityType)) return 'confidential';
    if (/^TrustedLaunch/i.test(securityType)) return 'trustedLaunch';
    return 'secure';
}

/**
 * `azureDisk;state-ActiveSAS;confidential;secure;canRevoke;sas;` — match with anchored regexes,
 * e.g. `viewItem =~ /^azure(Disk|Snapshot);.*\bcanRevoke;/`.
 */
export function diskContextValue(disk: DiskInfo, opts: { liveGrant?: boolean; busy?: boolean } = {}): string {
    const tokens = [disk.kind === 'snapshot' ? 'azureSnapshot' : 'azureDisk'];
    tokens.push(`state-${disk.diskState ?? 'Unknown'}`);
    const sec = securityToken(disk.securityType);
    if (sec) {
        if (sec !== 'secure') tokens.push(sec);
        tokens.push('secure');
    }
    if (disk.attachedVm) tokens.push('attached');
    if (needsDiskToken(disk)) tokens.push('entra');
    if (isPrivateOnly(disk)) tokens.push('private');
    if (!opts.busy) {
        if (canGrant(disk)) tokens.push('canGrant');
        if (hasActiveSas(disk)) tokens.push('canRevoke');
        if (opts.liveGrant) tokens.push('sas');
    } else {
        tokens.push('busy');
    }
    return tokens.join(';') + ';';
}

export function formatSize(disk: DiskInfo): string | undefined {
    if (disk.sizeGiB !== undefined) return `${disk.sizeGiB} GiB`;
    if (disk.sizeBytes !== undefined) return `${Math.round(disk.sizeBytes / 1024 ** 3)} GiB`;
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
    const size = formatSize(disk);
    if (size) parts.push(size);
    const vm = disk.attachedVm;
    if (disk.diskState === 'Attached') parts.push(vm ? `Attached to ${vm}` : 'Attached');
    else if (disk.diskState === 'Reserved') parts.push(vm ? `Reserved (${vm} deallocated)` : 'Reserved');
    else {
        if (disk.diskState) parts.push(disk.diskState);
        if (vm) parts.push(vm);
    }
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
    return { id: disk.kind === 'snapshot' ? 'device-camera' : 'database' };
}

/** Tooltip lines (markdown-free text), labels first. */
export function diskTooltipLines(disk: DiskInfo): string[] {
    const lines = [`${disk.kind === 'snapshot' ? 'Snapshot' : 'Disk'}: ${disk.name}`];
    const add = (label: string, value: string | undefined) => {
        if (value) lines.push(`${label}: ${value}`);
    };
    add('Size', formatSize(disk));
    add('SKU', disk.sku);
    add('Location', disk.location);
    add('OS type', disk.osType);
    add('Security type', disk.securityType);
    add('Disk state', disk.diskState);
    add('Time created', disk.timeCreated ? disk.timeCreated.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : undefined);
    add('Attached VM', disk.attachedVm);
    if (disk.kind === 'snapshot' && disk.incremental !== undefined) add('Incremental', disk.incremental ? 'yes' : 'no');
    add('Network access', networkLabel(disk));
    add('Disk access', disk.diskAccessId ? disk.diskAccessId.split('/').pop() : undefined);
    add('Data access', needsDiskToken(disk) ? 'Entra ID (needs the "Data Operator for Managed Disks" role)' : disk.dataAccessAuthMode ? disk.dataAccessAuthMode : undefined);
    add('Resource group', disk.resourceGroup);
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
