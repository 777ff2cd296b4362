/**
 * The XFS superblock (sector 0 of allocation group 0) and the address arithmetic it defines:
 * inode numbers and file-system block numbers are both AG-relative bit fields, so every address
 * the reader follows is split into (AG, block[, index]) and checked against the geometry here.
 *
 * Field offsets follow "XFS Algorithms & Data Structures", chapter "Superblocks" (all big-endian).
 */
import { BlockDevice, DiskFormatError } from '../types';

export const XFS_MAGIC = 0x58465342; // 'XFSB'

/** v5 incompatible features this reader understands (ftype, sparse inodes, meta UUID, bigtime,
 * needsrepair, 64-bit extent counters, exchange-range, parent pointers): none changes a layout it
 * reads beyond what is handled below. Anything else may, so it is refused. */
const KNOWN_INCOMPAT = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80;
const INCOMPAT_FTYPE = 0x1;
const INCOMPAT_BIGTIME = 0x8;
const V4_MOREBITS = 0x8000;
const V4_DIRV2 = 0x2000;
const V4_FEATURES2_FTYPE = 0x200;

export interface XfsGeometry {
    readonly version: 4 | 5;
    readonly blockSize: number;
    readonly blockLog: number;
    readonly sectSize: number;
    readonly dBlocks: number;
    readonly agBlocks: number;
    readonly agCount: number;
    readonly agBlkLog: number;
    readonly inodeSize: number;
    readonly inoPerBlockLog: number;
    readonly rootIno: number;
    /** Bytes per directory block (block size << dirblklog). */
    readonly dirBlockSize: number;
    /** Directory entries carry a file-type byte. */
    readonly ftype: boolean;
    readonly bigtime: boolean;
    readonly label?: string;
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

export function parseSuperblock(sb: Uint8Array, devSize: number): XfsGeometry {
    const v = new DataView(sb.buffer, sb.byteOffset, sb.byteLength);
    const bad = (msg: string): never => {
        throw new DiskFormatError('XFS superblock', msg, 0);
    };
    if (v.getUint32(0) !== XFS_MAGIC) bad('no XFSB magic');
    const blockSize = v.getUint32(4);
    const dBlocks = Number(v.getBigUint64(8));
    const rootIno = v.getBigUint64(56);
    const agBlocks = v.getUint32(84);
    const agCount = v.getUint32(88);
    const versionNum = v.getUint16(100);
    const sectSize = v.getUint16(102);
    const inodeSize = v.getUint16(104);
    const inoPerBlock = v.getUint16(106);
    const [blockLog, sectLog, inodeLog, inoPerBlockLog, agBlkLog] = [sb[120], sb[121], sb[122], sb[123], sb[124]];
    const dirBlkLog = sb[192];
    const features2 = v.getUint32(200);
    const incompat = v.getUint32(216);
    const version = (versionNum & 0xf) as 4 | 5;

    if (version !== 4 && version !== 5) bad(`version ${version} (only 4 and 5 are read)`);
    if (version === 4 && !(versionNum & V4_DIRV2)) bad('version 4 without version-2 directories');
    if (!isPow2(blockSize) || blockSize < 512 || blockSize > 65536 || 1 << blockLog !== blockSize) {
        bad(`block size ${blockSize} (log ${blockLog})`);
    }
    if (!isPow2(sectSize) || sectSize < 512 || sectSize > blockSize || 1 << sectLog !== sectSize) {
        bad(`sector size ${sectSize} (log ${sectLog})`);
    }
    if (!isPow2(inodeSize) || inodeSize < 256 || inodeSize > 2048 || inodeSize > blockSize || 1 << inodeLog !== inodeSize) {
        bad(`inode size ${inodeSize} (log ${inodeLog})`);
    }
    if (inoPerBlock !== blockSize / inodeSize || 1 << inoPerBlockLog !== inoPerBlock) bad(`${inoPerBlock} inodes per block`);
    if (version === 5 && inodeSize < 512) bad(`inode size ${inodeSize} on a version 5 file system`);
    // An AG holds at most 2^31 blocks, and agblklog is log2 of agblocks rounded up (spec: sb_agblklog).
    if (agBlocks < 1 || agBlocks > 2 ** 31 || agBlkLog > 31 || Math.ceil(Math.log2(agBlocks)) !== agBlkLog) {
        bad(`${agBlocks} blocks per allocation group (log ${agBlkLog})`);
    }
    if (!Number.isSafeInteger(dBlocks) || dBlocks < 1 || agCount < 1 || agCount * agBlocks < dBlocks || (agCount - 1) * agBlocks >= dBlocks) {
        bad(`${agCount} allocation groups of ${agBlocks} blocks do not make ${dBlocks} blocks`);
    }
    if (dBlocks * blockSize > devSize) bad(`${dBlocks} blocks of ${blockSize} bytes do not fit the ${devSize}-byte device`);
    if (dirBlkLog > 16 || blockSize * 2 ** dirBlkLog > 65536) bad(`directory block log ${dirBlkLog}`);
    if (version === 5 && incompat & ~KNOWN_INCOMPAT) {
        bad(`unknown incompatible features 0x${(incompat & ~KNOWN_INCOMPAT).toString(16)}`);
    }
    const ftype = version === 5 ? (incompat & INCOMPAT_FTYPE) !== 0 : (versionNum & V4_MOREBITS) !== 0 && (features2 & V4_FEATURES2_FTYPE) !== 0;
    const nameEnd = sb.subarray(108, 120).indexOf(0);
    const label = Buffer.from(sb.subarray(108, nameEnd < 0 ? 120 : 108 + nameEnd)).toString('utf8');
    const geo: XfsGeometry = {
        version, blockSize, blockLog, sectSize, dBlocks, agBlocks, agCount, agBlkLog, inodeSize, inoPerBlockLog,
        rootIno: 0, dirBlockSize: blockSize * 2 ** dirBlkLog, ftype,
        bigtime: version === 5 && (incompat & INCOMPAT_BIGTIME) !== 0, label: label || undefined,
    };
    return { ...geo, rootIno: inodeNumber(geo, rootIno, 'XFS superblock root inode') };
}

/** The AG-relative block `agbno` of AG `agno` as an absolute block index, checked inside the file system. */
function absBlock(geo: XfsGeometry, agno: number, agbno: number, count: number, what: string): number {
    const agSize = agno === geo.agCount - 1 ? geo.dBlocks - agno * geo.agBlocks : geo.agBlocks;
    if (agno >= geo.agCount || agbno + count > agSize || count < 1) {
        throw new DiskFormatError(what, `AG ${agno} block ${agbno} (+${count}) lies outside the file system (${geo.agCount} AGs of ${geo.agBlocks} blocks)`);
    }
    return agno * geo.agBlocks + agbno;
}

/** Checks an inode number from the image and returns it as a number. */
export function inodeNumber(geo: XfsGeometry, ino: bigint, what: string): number {
    inodeOffset(geo, ino, what);
    return Number(ino);
}

/** Byte offset of inode `ino`: AG number, block in the AG and index in the block, each bounded. */
export function inodeOffset(geo: XfsGeometry, ino: bigint | number, what: string): number {
    const n = BigInt(ino);
    const agno = Number(n >> BigInt(geo.agBlkLog + geo.inoPerBlockLog));
    const agbno = Number((n >> BigInt(geo.inoPerBlockLog)) & ((1n << BigInt(geo.agBlkLog)) - 1n));
    const index = Number(n & ((1n << BigInt(geo.inoPerBlockLog)) - 1n));
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || agno >= geo.agCount) {
        throw new DiskFormatError(what, `inode number ${n} names AG ${agno} of ${geo.agCount}`);
    }
    return absBlock(geo, agno, agbno, 1, what) * geo.blockSize + index * geo.inodeSize;
}

/**
 * Byte offset of `count` blocks from the file-system block number `fsb` (AG number in the bits
 * above agblklog, spec: "XFS_FSB_TO_DADDR"); the run must stay inside one AG, as extents do.
 */
export function fsblockOffset(geo: XfsGeometry, fsb: number, count: number, what: string): number {
    const agno = Math.floor(fsb / 2 ** geo.agBlkLog);
    const agbno = fsb - agno * 2 ** geo.agBlkLog;
    return absBlock(geo, agno, agbno, count, what) * geo.blockSize;
}

export async function readSuperblock(dev: BlockDevice): Promise<XfsGeometry> {
    if (dev.size < 512) throw new DiskFormatError('XFS superblock', `device of ${dev.size} bytes is too small`);
    return parseSuperblock(await dev.read(0, 512), dev.size);
}
