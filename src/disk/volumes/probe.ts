/**
 * What a partition or logical volume holds, told from its first bytes: a file system one of the
 * readers opens, an LVM physical volume, or something named but not read (BitLocker, LUKS, swap,
 * ReFS, btrfs), or unknown.
 */
import { openExt, probeExt } from '../ext4';
import { openFat, probeFat } from '../fat';
import { probeLvm } from '../lvm';
import { isBitLocker, openNtfs, probeNtfs } from '../ntfs';
import { openXfs, probeXfs } from '../xfs';
import { BlockDevice, FileSystemReader } from '../types';

export type Contents =
    /** A file system a reader can open (`open` may still find it damaged). */
    | { kind: 'fs'; name: string; open: () => Promise<FileSystemReader> }
    | { kind: 'lvm' }
    /** Known by its signature, not read. */
    | { kind: 'named'; name: string; note: string }
    | { kind: 'unknown' };

/** The first bytes looked at in one read: swap keeps its signature at the end of the first page, up to 64 KiB pages. */
const HEAD = 64 * 1024;
const SWAP_PAGES = [4096, 8192, 16384, 65536];
/** btrfs keeps its superblock at 64 KiB, the magic 0x40 bytes into it. */
const BTRFS_MAGIC_AT = 0x10040;

const latin1 = (b: Uint8Array, from: number, to: number): string => Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');

function named(head: Uint8Array): Contents | undefined {
    if (head.length >= 6 && latin1(head, 0, 6) === 'LUKS\xba\xbe') {
        return { kind: 'named', name: 'LUKS', note: 'encrypted with LUKS; it cannot be read without its key' };
    }
    if (head.length >= 512 && isBitLocker(head.subarray(0, 512))) {
        return { kind: 'named', name: 'BitLocker', note: 'encrypted with BitLocker; it cannot be read without its key' };
    }
    if (head.length >= 11 && latin1(head, 3, 11) === 'ReFS\0\0\0\0') {
        return { kind: 'named', name: 'ReFS', note: 'ReFS volumes cannot be browsed' };
    }
    for (const page of SWAP_PAGES) {
        if (head.length < page) break;
        const sig = latin1(head, page - 10, page);
        if (sig === 'SWAPSPACE2' || sig === 'SWAP-SPACE') return { kind: 'named', name: 'swap', note: 'swap space holds no files' };
    }
    return undefined;
}

/** What `dev` holds. Reads its first 64 KiB (less on a smaller device) and what each probe asks. */
export async function identify(dev: BlockDevice): Promise<Contents> {
    if (dev.size === 0) return { kind: 'unknown' };
    const head = await dev.read(0, Math.min(dev.size, HEAD));
    const byName = named(head);
    if (byName) return byName;
    if (await probeLvm(dev)) return { kind: 'lvm' };
    if (await probeNtfs(dev)) return { kind: 'fs', name: 'NTFS', open: () => openNtfs(dev) };
    const fat = await probeFat(dev);
    if (fat) return { kind: 'fs', name: fat, open: () => openFat(dev) };
    if (await probeExt(dev)) return { kind: 'fs', name: 'ext', open: () => openExt(dev) };
    if (await probeXfs(dev)) return { kind: 'fs', name: 'XFS', open: () => openXfs(dev) };
    if (dev.size >= BTRFS_MAGIC_AT + 8 && latin1(await dev.read(BTRFS_MAGIC_AT, 8), 0, 8) === '_BHRfS_M') {
        return { kind: 'named', name: 'btrfs', note: 'btrfs volumes cannot be browsed' };
    }
    return { kind: 'unknown' };
}
