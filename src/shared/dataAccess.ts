/**
 * Plain words for the two ways a disk's data plane refuses a valid SAS: Entra ID protection
 * (dataAccessAuthMode AzureActiveDirectory) without the role, and network rules
 * (networkAccessPolicy AllowPrivate / DenyAll). Pure: no vscode.
 */
import * as l10n from '@vscode/l10n';

/** The built-in role that allows reading and writing a protected disk's data. */
export const DISK_DATA_ROLE = 'Data Operator for Managed Disks';

export function roleMissingMessage(diskName: string): string {
    return l10n.t(
        '{0} is protected by Entra ID, and your account lacks the "{1}" role on it, so its data cannot be read or written.',
        diskName,
        DISK_DATA_ROLE,
    );
}

export function roleMissingNextStep(diskName: string): string {
    return l10n.t(
        'Ask an owner of the disk (or of its resource group or subscription) to assign you "{0}" on {1} (Portal: the disk → Access control (IAM) → Add role assignment; or az role assignment create --role "{0}" --assignee <you> --scope <the disk\'s id>), then sign in again and retry.',
        DISK_DATA_ROLE,
        diskName,
    );
}

export function tokenRefusedMessage(diskName: string): string {
    return l10n.t('{0} is protected by Entra ID, and the storage service did not accept the sign-in token sent with the request.', diskName);
}

/** Why a SAS of this disk cannot work from here, by its network access policy. */
export function privateOnlyMessage(diskName: string, policy: string | undefined): string {
    return policy === 'DenyAll'
        ? l10n.t('{0} does not allow export over any network (network access policy DenyAll), so its SAS is refused.', diskName)
        : l10n.t('{0} allows access only through a private endpoint (network access policy AllowPrivate), so its SAS is refused from the public internet.', diskName);
}

export function privateOnlyNextStep(policy: string | undefined): string {
    return policy === 'DenyAll'
        ? l10n.t('Ask the disk\'s owner to change its network access policy (Portal: the disk → Networking), or copy it to a disk that allows access, then retry.')
        : l10n.t('Run this from a machine on the virtual network of the disk access\'s private endpoint, or ask the disk\'s owner to allow public access (Portal: the disk → Networking).');
}
