/** Disk types (SKUs) a new disk can be created with from an image or from blobs. Pure: no vscode import. */

/**
 * The types Azure takes for a disk that may boot a VM and is filled from an image: Ultra and
 * Premium SSD v2 are left out (they cannot be an OS disk, nor be uploaded to or imported).
 */
export const DISK_SKUS: readonly { id: string; label: string }[] = [
    { id: 'Standard_LRS', label: 'Standard HDD (LRS)' },
    { id: 'StandardSSD_LRS', label: 'Standard SSD (LRS)' },
    { id: 'Premium_LRS', label: 'Premium SSD (LRS)' },
    { id: 'StandardSSD_ZRS', label: 'Standard SSD (ZRS)' },
    { id: 'Premium_ZRS', label: 'Premium SSD (ZRS)' },
];
