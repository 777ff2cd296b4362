/**
 * FAT12, FAT16, FAT32 and exFAT, read-only. `probeFat` looks at the boot sector alone;
 * `openFat` checks it against the device and lists the root (where the volume label lives).
 *
 * Timestamps: FAT keeps local time without a zone, and it is returned as if it were UTC. exFAT
 * keeps a UTC offset next to each time; where it is marked valid it is applied, else the same.
 */
import { BlockDevice, DiskFormatError, FileSystemReader } from '../types';
import { BOOT_BYTES, FatType, parseBoot } from './boot';
import { ExfatVolume } from './exfatReader';
import { FatVolume } from './fatReader';

export type { FatType } from './boot';

/**
 * Which of FAT12/FAT16/FAT32/exFAT the device holds, from one read of its boot sector, or
 * undefined when the boot sector is not one of them (or fails the checks openFat makes). The FAT
 * type follows from the cluster count, as the Microsoft FAT spec (section 3.5) requires.
 */
export async function probeFat(dev: BlockDevice): Promise<FatType | undefined> {
    if (dev.size < BOOT_BYTES) return undefined;
    const b = await dev.read(0, BOOT_BYTES);
    try {
        return parseBoot(b, dev.size).type;
    } catch (e) {
        if (e instanceof DiskFormatError) return undefined;
        throw e;
    }
}

/** A reader for the FAT or exFAT volume on `dev`; a DiskFormatError names what is damaged. */
export async function openFat(dev: BlockDevice): Promise<FileSystemReader> {
    if (dev.size < BOOT_BYTES) throw new DiskFormatError('FAT boot sector', `device of ${dev.size} bytes is smaller than a boot sector`);
    const boot = parseBoot(await dev.read(0, BOOT_BYTES), dev.size);
    return boot.type === 'exFAT' ? ExfatVolume.open(dev, boot) : FatVolume.open(dev, boot);
}
