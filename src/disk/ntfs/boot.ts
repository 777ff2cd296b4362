/**
 * The NTFS boot sector (the BIOS parameter block at the start of the volume): sector and cluster
 * sizes, where the MFT starts and how big its records and the index blocks are. Every field is
 * checked against the device before anything else is read.
 */
import { BlockDevice, DiskFormatError } from '../types';

export interface NtfsGeometry {
    bytesPerSector: number;
    clusterSize: number;
    /** Clusters in the volume (total sectors / sectors per cluster). */
    totalClusters: number;
    mftLcn: number;
    mftRecordSize: number;
    indexBlockSize: number;
}

const OEM_NTFS = 'NTFS    ';
const OEM_BITLOCKER = '-FVE-FS-';

function oemId(boot: Uint8Array): string {
    if (boot.length < 11) return '';
    return String.fromCharCode(...boot.subarray(3, 11));
}

/** Whether a boot sector is a BitLocker-encrypted volume's (OEM id `-FVE-FS-`). */
export function isBitLocker(bootSector: Uint8Array): boolean {
    return oemId(bootSector) === OEM_BITLOCKER;
}

/** Whether a boot sector carries the NTFS OEM id (`NTFS    ` at byte 3). */
export function isNtfsBootSector(bootSector: Uint8Array): boolean {
    return oemId(bootSector) === OEM_NTFS;
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * Clusters per MFT record / index block: a positive byte is a count of clusters; a negative one
 * (as int8) means 2^|n| bytes, which is how records smaller than a cluster are given.
 */
function recordSize(raw: number, clusterSize: number, what: string): number {
    const n = raw > 127 ? raw - 256 : raw;
    const size = n < 0 ? 2 ** -n : n * clusterSize;
    // Records are whole 512-byte update-sequence strides; 64 KiB is the largest any writer uses.
    if (n === 0 || n < -31 || !isPow2(size) || size < 512 || size > 65536) {
        throw new DiskFormatError('NTFS boot sector', `${what} size field ${raw} gives ${size} bytes (expected a power of two from 512 to 65536)`, 0);
    }
    return size;
}

/** Parses and validates the boot sector's geometry against a device of `deviceSize` bytes. */
export function parseBootSector(boot: Uint8Array, deviceSize: number): NtfsGeometry {
    const fail = (msg: string) => new DiskFormatError('NTFS boot sector', msg, 0);
    if (boot.length < 512) throw fail('shorter than 512 bytes');
    if (isBitLocker(boot)) throw fail('this volume is encrypted with BitLocker and cannot be read without its key');
    if (!isNtfsBootSector(boot)) throw fail(`OEM id is not "${OEM_NTFS}"`);
    const dv = new DataView(boot.buffer, boot.byteOffset, boot.byteLength);
    const bytesPerSector = dv.getUint16(0x0b, true);
    if (!isPow2(bytesPerSector) || bytesPerSector < 256 || bytesPerSector > 4096) {
        throw fail(`bytes per sector ${bytesPerSector} is not a power of two from 256 to 4096`);
    }
    // Sectors per cluster: values above 0x80 encode 2^(256 - n) for clusters of 64 KiB and more.
    const spcRaw = boot[0x0d];
    const sectorsPerCluster = spcRaw > 0x80 ? 2 ** (256 - spcRaw) : spcRaw;
    if (!isPow2(sectorsPerCluster) || sectorsPerCluster > 65536) throw fail(`sectors per cluster field ${spcRaw} is invalid`);
    const clusterSize = bytesPerSector * sectorsPerCluster;
    if (clusterSize > 2 * 1024 * 1024) throw fail(`cluster size ${clusterSize} is over 2 MiB`);
    const totalSectors = Number(dv.getBigUint64(0x28, true));
    if (!Number.isSafeInteger(totalSectors) || totalSectors === 0) throw fail(`total sectors ${totalSectors} is invalid`);
    // The volume's last sector holds the backup boot sector and is not counted: the volume may be
    // exactly the device, never larger.
    if (totalSectors * bytesPerSector > deviceSize) {
        throw fail(`the volume (${totalSectors} sectors of ${bytesPerSector} bytes) is larger than the device (${deviceSize} bytes): the image is truncated`);
    }
    const totalClusters = Math.floor(totalSectors / sectorsPerCluster);
    const mftLcn = Number(dv.getBigUint64(0x30, true));
    if (!Number.isSafeInteger(mftLcn) || mftLcn === 0 || mftLcn >= totalClusters) {
        throw fail(`MFT cluster ${mftLcn} lies outside the volume (${totalClusters} clusters)`);
    }
    const mftRecordSize = recordSize(boot[0x40], clusterSize, 'MFT record');
    const indexBlockSize = recordSize(boot[0x44], clusterSize, 'index block');
    return { bytesPerSector, clusterSize, totalClusters, mftLcn, mftRecordSize, indexBlockSize };
}

/** Reads the first sector of a device and parses it. */
export async function readBootSector(dev: BlockDevice): Promise<NtfsGeometry> {
    if (dev.size < 512) throw new DiskFormatError('NTFS boot sector', `the device holds only ${dev.size} bytes`, 0);
    return parseBootSector(await dev.read(0, 512), dev.size);
}
