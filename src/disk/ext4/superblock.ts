/**
 * The ext2/ext3/ext4 superblock: where it lies, the fields the reader uses, the feature bits it can
 * and cannot read, and the sanity checks that keep every later offset inside the device.
 *
 * Field offsets follow the kernel's ext4 disk-layout documentation ("Super Block", "Block Group
 * Descriptors"). Checksums (metadata_csum, gdt_csum) are not verified: a read-only browser gains
 * nothing from refusing a block whose checksum is stale, and every structure is still bounds-checked.
 */
import { BlockDevice, DiskFormatError } from '../types';

/** The superblock always starts 1024 bytes into the volume, whatever the block size. */
export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;
export const EXT_MAGIC = 0xef53;
const MAGIC_AT = 0x38;

export const COMPAT_HAS_JOURNAL = 0x4;
export const INCOMPAT_FILETYPE = 0x2;
export const INCOMPAT_META_BG = 0x10;
export const INCOMPAT_EXTENTS = 0x40;
export const INCOMPAT_64BIT = 0x80;
export const INCOMPAT_LARGEDIR = 0x4000;
export const INCOMPAT_INLINE_DATA = 0x8000;
const RO_COMPAT_SPARSE_SUPER = 0x1;
const RO_COMPAT_HUGE_FILE = 0x8;
const RO_COMPAT_BIGALLOC = 0x200;

/** INCOMPAT bits this reader understands (a bit outside this set means the layout is unknown). */
const INCOMPAT_KNOWN: Record<number, string> = {
    0x2: 'filetype',
    0x4: 'needs_recovery',
    0x10: 'meta_bg',
    0x40: 'extent',
    0x80: '64bit',
    0x100: 'mmp',
    0x200: 'flex_bg',
    0x400: 'ea_inode',
    0x2000: 'csum_seed',
    0x4000: 'largedir',
    0x8000: 'inline_data',
    0x10000: 'encrypt',
    0x20000: 'casefold',
};
/** INCOMPAT bits that are known but change the layout in a way this reader does not follow. */
const INCOMPAT_REFUSED: Record<number, string> = {
    0x1: 'compression',
    0x8: 'journal_dev (an external journal, not a file system)',
    0x1000: 'dirdata',
};
/** Features that only ext4 has; any of them makes the volume ext4 rather than ext2/ext3. */
const EXT4_INCOMPAT = 0x40 | 0x80 | 0x200 | 0x400 | 0x4000 | 0x8000 | 0x10000 | 0x20000 | 0x100;
const EXT4_RO_COMPAT = 0x8 | 0x10 | 0x20 | 0x40 | 0x200 | 0x400;

export interface Superblock {
    readonly blockSize: number;
    readonly blocksCount: number;
    readonly firstDataBlock: number;
    readonly blocksPerGroup: number;
    readonly inodesPerGroup: number;
    readonly inodesCount: number;
    readonly inodeSize: number;
    readonly groupCount: number;
    readonly descSize: number;
    readonly firstMetaBg: number;
    readonly compat: number;
    readonly incompat: number;
    readonly roCompat: number;
    readonly label: string;
    readonly type: 'ext2' | 'ext3' | 'ext4';
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;

export async function probeExt(dev: BlockDevice): Promise<boolean> {
    if (dev.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) return false;
    const b = await dev.read(SUPERBLOCK_OFFSET + MAGIC_AT, 2);
    return u16(b, 0) === EXT_MAGIC;
}

function fail(message: string): never {
    throw new DiskFormatError('ext superblock', message, SUPERBLOCK_OFFSET);
}

function checkFeatures(incompat: number): void {
    for (let i = 0; i < 32; i++) {
        const bit = 2 ** i;
        if (Math.floor(incompat / bit) % 2 === 0) continue;
        if (INCOMPAT_REFUSED[bit]) fail(`uses the incompatible feature ${INCOMPAT_REFUSED[bit]}, which this reader cannot read`);
        if (!INCOMPAT_KNOWN[bit]) fail(`uses an unknown incompatible feature (bit 0x${bit.toString(16)}), so its layout cannot be trusted`);
    }
}

function isPow2(n: number): boolean {
    return n > 0 && (n & (n - 1)) === 0;
}

/** Parses and checks the superblock against a device of `devSize` bytes. */
export function parseSuperblock(b: Uint8Array, devSize: number): Superblock {
    if (u16(b, MAGIC_AT) !== EXT_MAGIC) fail(`bad magic 0x${u16(b, MAGIC_AT).toString(16)} (want 0xef53)`);
    const rev = u32(b, 0x4c);
    const compat = u32(b, 0x5c);
    const incompat = rev >= 1 ? u32(b, 0x60) : 0;
    const roCompat = rev >= 1 ? u32(b, 0x64) : 0;
    checkFeatures(incompat);
    const logBlock = u32(b, 0x18);
    // The kernel accepts 1 KiB to 64 KiB blocks (s_log_block_size 0..6).
    if (logBlock > 6) fail(`block size 2^(10+${logBlock}) is out of range (1 KiB to 64 KiB)`);
    const blockSize = 1024 << logBlock;
    const is64 = (incompat & INCOMPAT_64BIT) !== 0;
    const blocksCount = u32(b, 0x4) + (is64 ? u32(b, 0x150) * 2 ** 32 : 0);
    const deviceBlocks = Math.floor(devSize / blockSize);
    if (blocksCount === 0 || blocksCount > deviceBlocks) {
        fail(`s_blocks_count ${blocksCount} does not fit the device (${deviceBlocks} blocks of ${blockSize} bytes)`);
    }
    const firstDataBlock = u32(b, 0x14);
    // Block 0 holds the boot area and the superblock only when blocks are 1 KiB.
    if (firstDataBlock !== (blockSize === 1024 ? 1 : 0) && !(firstDataBlock === 0 && (roCompat & RO_COMPAT_BIGALLOC))) {
        fail(`s_first_data_block ${firstDataBlock} is wrong for ${blockSize}-byte blocks`);
    }
    const clusterRatio = roCompat & RO_COMPAT_BIGALLOC ? 2 ** Math.min(Math.max(u32(b, 0x1c) - logBlock, 0), 16) : 1;
    const blocksPerGroup = u32(b, 0x20);
    if (blocksPerGroup < 8 || blocksPerGroup > 8 * blockSize * clusterRatio) {
        fail(`s_blocks_per_group ${blocksPerGroup} is out of range (8 to ${8 * blockSize * clusterRatio})`);
    }
    const inodeSize = rev >= 1 ? u16(b, 0x58) : 128;
    if (inodeSize < 128 || inodeSize > blockSize || !isPow2(inodeSize)) fail(`s_inode_size ${inodeSize} is not a power of two from 128 to the block size`);
    const inodesPerGroup = u32(b, 0x28);
    if (inodesPerGroup < blockSize / inodeSize || inodesPerGroup > 8 * blockSize) {
        fail(`s_inodes_per_group ${inodesPerGroup} is out of range (${blockSize / inodeSize} to ${8 * blockSize})`);
    }
    const groupCount = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
    const inodesCount = u32(b, 0x0);
    if (inodesCount !== groupCount * inodesPerGroup) {
        fail(`s_inodes_count ${inodesCount} is not ${groupCount} groups × ${inodesPerGroup} inodes`);
    }
    let descSize = 32;
    if (is64) {
        descSize = u16(b, 0xfe);
        if (descSize < 64 || descSize > 1024 || !isPow2(descSize)) fail(`s_desc_size ${descSize} is not a power of two from 64 to 1024`);
    }
    const labelBytes = b.subarray(0x78, 0x88);
    const nul = labelBytes.indexOf(0);
    const label = Buffer.from(labelBytes.subarray(0, nul < 0 ? 16 : nul)).toString('utf8');
    return {
        blockSize, blocksCount, firstDataBlock, blocksPerGroup, inodesPerGroup, inodesCount, inodeSize, groupCount, descSize,
        firstMetaBg: u32(b, 0x104), compat, incompat, roCompat, label, type: fsType(compat, incompat, roCompat),
    };
}

function fsType(compat: number, incompat: number, roCompat: number): 'ext2' | 'ext3' | 'ext4' {
    if (incompat & EXT4_INCOMPAT || roCompat & EXT4_RO_COMPAT) return 'ext4';
    return compat & COMPAT_HAS_JOURNAL ? 'ext3' : 'ext2';
}

/** Whether block group `g` holds a superblock backup (and so its descriptor copy) — sparse_super keeps them in 0, 1 and powers of 3, 5, 7. */
export function groupHasSuper(sb: Superblock, g: number): boolean {
    if (!(sb.roCompat & RO_COMPAT_SPARSE_SUPER) || g <= 1) return true;
    for (const base of [3, 5, 7]) {
        let p = base;
        while (p < g) p *= base;
        if (p === g) return true;
    }
    return false;
}

/**
 * The block that holds group `g`'s descriptor: the blocks right after the superblock's block, or
 * with meta_bg, past the first meta_bg, the start of each meta group (kernel `descriptor_loc`).
 */
export function descriptorBlock(sb: Superblock, g: number): number {
    const perBlock = sb.blockSize / sb.descSize;
    const metaGroup = Math.floor(g / perBlock);
    // The superblock's own block: 1 with 1 KiB blocks (even when bigalloc makes s_first_data_block 0), else 0.
    const superBlock = Math.floor(SUPERBLOCK_OFFSET / sb.blockSize);
    if (!(sb.incompat & INCOMPAT_META_BG) || metaGroup < sb.firstMetaBg) return superBlock + 1 + metaGroup;
    const first = metaGroup * perBlock;
    let skip = groupHasSuper(sb, first) ? 1 : 0;
    if (first === 0 && superBlock === 1 && sb.firstDataBlock === 0) skip++;
    return sb.firstDataBlock + first * sb.blocksPerGroup + skip;
}

export function hugeFiles(sb: Superblock): boolean {
    return (sb.roCompat & RO_COMPAT_HUGE_FILE) !== 0;
}

export { u16, u32 };
