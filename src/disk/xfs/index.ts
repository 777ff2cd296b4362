/**
 * Read-only XFS (version 5 as current mkfs.xfs makes it, and version 4): `probeXfs` tells whether a
 * device holds one, `openXfs` validates its superblock against the device and returns the reader.
 */
import { BlockDevice, FileSystemReader } from '../types';
import { XfsReader } from './reader';
import { XFS_MAGIC, readSuperblock } from './superblock';

export async function probeXfs(dev: BlockDevice): Promise<boolean> {
    if (dev.size < 512) return false;
    const b = await dev.read(0, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0) === XFS_MAGIC;
}

export async function openXfs(dev: BlockDevice): Promise<FileSystemReader> {
    return new XfsReader(dev, await readSuperblock(dev));
}
