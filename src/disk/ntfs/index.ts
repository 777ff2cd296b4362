/**
 * A read-only NTFS reader over a block device: probe, open, and the BitLocker check (a BitLocker
 * volume's boot sector says `-FVE-FS-` where NTFS says `NTFS    `; its contents are encrypted).
 */
import { BlockDevice, DiskFormatError, FileSystemReader } from '../types';
import { isBitLocker, isNtfsBootSector, readBootSector } from './boot';
import { Mft } from './mft';
import { NtfsReader } from './reader';

export { isBitLocker };

/** Whether the device starts with an NTFS boot sector (`NTFS    ` at byte 3). */
export async function probeNtfs(dev: BlockDevice): Promise<boolean> {
    if (dev.size < 512) return false;
    return isNtfsBootSector(await dev.read(0, 512));
}

/** Opens an NTFS volume: boot sector, $MFT, and the label from $Volume. */
export async function openNtfs(dev: BlockDevice): Promise<FileSystemReader> {
    if (dev.size >= 512 && isBitLocker(await dev.read(0, 512))) {
        throw new DiskFormatError('NTFS boot sector', 'this volume is encrypted with BitLocker and cannot be read without its key', 0);
    }
    const geo = await readBootSector(dev);
    const mft = await Mft.open(dev, geo);
    const reader = new NtfsReader(dev, geo, mft);
    await reader.init();
    return reader;
}
