/** The disk security types a user can choose when making a disk (upload, import), in one list, with their names as people read them. */
import * as l10n from '@vscode/l10n';

export const SECURITY_TYPE_IDS = [
    'TrustedLaunch',
    'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey',
    'ConfidentialVM_DiskEncryptedWithPlatformKey',
    'ConfidentialVM_DiskEncryptedWithCustomerKey',
] as const;

export type SecurityTypeId = (typeof SECURITY_TYPE_IDS)[number];

/** Each label a literal call, so the l10n extractor sees it. */
export function securityTypeLabel(id: SecurityTypeId): string {
    switch (id) {
        case 'TrustedLaunch':
            return l10n.t('Trusted Launch');
        case 'ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey':
            return l10n.t('Confidential VM, guest state encrypted with a platform key');
        case 'ConfidentialVM_DiskEncryptedWithPlatformKey':
            return l10n.t('Confidential VM, disk encrypted with a platform key');
        case 'ConfidentialVM_DiskEncryptedWithCustomerKey':
            return l10n.t('Confidential VM, disk encrypted with a customer key');
    }
}
