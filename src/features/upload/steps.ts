/** The Create Disk from Image wizard's pure rules: names Azure accepts, SKUs, security types. No vscode import. */

import { proposeDiskName } from '../../shared/names';

export { diskNameProblem } from '../../shared/names';

/** A name suggestion from the image's file name: its stem with anything Azure refuses replaced. */
export function suggestDiskName(fileName: string): string {
    return proposeDiskName(fileName.replace(/\.(img|raw|bin|dd|vhd|vhdx|qcow2|qcow)$/i, ''), '', 'uploaded-disk');
}

/** SKUs a disk can be uploaded to. */
export { DISK_SKUS as UPLOAD_SKUS } from '../../shared/diskSkus';

export function isConfidential(securityType: string | undefined): boolean {
    return !!securityType && /^ConfidentialVM/i.test(securityType);
}

export interface UploadAnswers {
    imagePath?: string;
    name?: string;
    location?: string;
    sku?: string;
    /** 'none' for a data disk. */
    osType?: 'Linux' | 'Windows' | 'none';
    hyperVGeneration?: 'V1' | 'V2';
    /** 'none' for no security profile. */
    securityType?: string;
    /** The VM guest state file; null when the user chose not to upload one (Trusted Launch only). */
    vmgsPath?: string | null;
    /** The VM metadata file; null for none. */
    vmmdPath?: string | null;
}

/** Which questions apply, given what is already answered. */
export function uploadStepApplies(step: keyof UploadAnswers, a: UploadAnswers): boolean {
    switch (step) {
        case 'hyperVGeneration':
            return a.osType !== undefined && a.osType !== 'none';
        case 'securityType':
            // Trusted Launch and confidential VMs are Generation 2 OS disks.
            return a.osType !== undefined && a.osType !== 'none' && a.hyperVGeneration === 'V2';
        case 'vmgsPath':
            return !!a.securityType && a.securityType !== 'none';
        case 'vmmdPath':
            return isConfidential(a.securityType) && typeof a.vmgsPath === 'string';
        default:
            return true;
    }
}

/**
 * Which questions may still be asked once the earlier ones are answered (the wizard's "of y"):
 * an unanswered question that would bring a step in counts as bringing it in.
 */
export function uploadStepMayApply(step: keyof UploadAnswers, a: UploadAnswers): boolean {
    switch (step) {
        case 'hyperVGeneration':
            return a.osType !== 'none';
        case 'securityType':
            return a.osType !== 'none' && a.hyperVGeneration !== 'V1';
        case 'vmgsPath':
            return uploadStepMayApply('securityType', a) && a.securityType !== 'none';
        case 'vmmdPath':
            return uploadStepMayApply('vmgsPath', a) && (a.securityType === undefined || isConfidential(a.securityType)) && a.vmgsPath !== null;
        default:
            return true;
    }
}

/** Upload (no guest state) or UploadPreparedSecure (the guest state blob, and VMMD when given, are uploaded too). */
export function withSecurityData(a: UploadAnswers): boolean {
    return !!a.securityType && a.securityType !== 'none' && typeof a.vmgsPath === 'string';
}
