/**
 * A data fork's block map: the list of extents, read from the inode (extents format) or from the
 * block-map B-tree rooted in it (btree format). Layout per "XFS Algorithms & Data Structures",
 * chapters "Data Extents" and "B+tree Extent List".
 */
import { BlockDevice, DiskFormatError } from '../types';
import { Format, XfsInode } from './inode';
import { XfsGeometry, fsblockOffset } from './superblock';

export interface Extent {
    /** File block where the extent starts. */
    readonly fileBlock: number;
    /** Byte offset of its first block on the device. */
    readonly offset: number;
    readonly blocks: number;
    /** Preallocated, never written: reads as zeros. */
    readonly unwritten: boolean;
}

const BMAP_MAGIC = 0x424d4150; // 'BMAP' (v4)
const BMA3_MAGIC = 0x424d4133; // 'BMA3' (v5)
/** A bmbt never grows past a handful of levels (XFS_BM_MAXLEVELS is 9 even for 2^64 extents). */
const MAX_LEVELS = 10;

/**
 * Decodes packed 128-bit extent records (spec: "xfs_bmbt_rec"): flag (1 bit), startoff (54),
 * startblock (52), blockcount (21).
 */
function decodeRecords(geo: XfsGeometry, recs: Uint8Array, n: number, what: string, out: Extent[]): void {
    const v = new DataView(recs.buffer, recs.byteOffset, recs.byteLength);
    for (let i = 0; i < n; i++) {
        const l0 = v.getBigUint64(i * 16);
        const l1 = v.getBigUint64(i * 16 + 8);
        const unwritten = l0 >> 63n === 1n;
        const fileBlock = Number((l0 >> 9n) & ((1n << 54n) - 1n));
        const startBlock = Number(((l0 & 0x1ffn) << 43n) | (l1 >> 21n));
        const blocks = Number(l1 & 0x1fffffn);
        const prev = out[out.length - 1];
        if (prev && fileBlock < prev.fileBlock + prev.blocks) {
            throw new DiskFormatError(what, `extent at file block ${fileBlock} overlaps or precedes the one at ${prev.fileBlock}`);
        }
        if (fileBlock * geo.blockSize > Number.MAX_SAFE_INTEGER) throw new DiskFormatError(what, `extent at file block ${fileBlock}`);
        out.push({ fileBlock, offset: fsblockOffset(geo, startBlock, blocks, what), blocks, unwritten });
    }
}

/** The extents of an inode's data fork, in file order; each B-tree block is read once. */
export async function readExtents(geo: XfsGeometry, dev: BlockDevice, inode: XfsInode): Promise<Extent[]> {
    const what = `XFS extent list of inode ${inode.ino}`;
    const out: Extent[] = [];
    if (inode.format === Format.Extents) {
        if (inode.nextents * 16 > inode.fork.length) {
            throw new DiskFormatError(what, `${inode.nextents} extents do not fit the ${inode.fork.length}-byte fork`, inode.offset);
        }
        decodeRecords(geo, inode.fork, inode.nextents, what, out);
        return out;
    }
    if (inode.format !== Format.Btree) throw new DiskFormatError(what, `data fork format ${inode.format} has no extents`, inode.offset);
    // The root in the inode (xfs_bmdr_block): level, numrecs, keys, then pointers after maxrecs keys.
    const fork = new DataView(inode.fork.buffer, inode.fork.byteOffset, inode.fork.byteLength);
    const level = fork.getUint16(0);
    const numrecs = fork.getUint16(2);
    const maxrecs = Math.floor((inode.fork.length - 4) / 16);
    if (level < 1 || level >= MAX_LEVELS || numrecs < 1 || numrecs > maxrecs) {
        throw new DiskFormatError(`XFS block-map root of inode ${inode.ino}`, `level ${level} with ${numrecs} of ${maxrecs} records`, inode.offset);
    }
    const walk = { geo, dev, ino: inode.ino, visited: new Set<number>(), out, limit: inode.nextents };
    for (let i = 0; i < numrecs; i++) {
        await walkBlock(walk, Number(fork.getBigUint64(4 + maxrecs * 8 + i * 8)), level - 1);
    }
    if (out.length !== inode.nextents) {
        throw new DiskFormatError(what, `B-tree holds ${out.length} extents, the inode says ${inode.nextents}`, inode.offset);
    }
    return out;
}

interface Walk {
    geo: XfsGeometry;
    dev: BlockDevice;
    ino: number;
    visited: Set<number>;
    out: Extent[];
    limit: number;
}

/** One long-format bmbt block (spec: "xfs_btree_lblock"); children are visited depth first, in key order. */
async function walkBlock(w: Walk, fsb: number, level: number): Promise<void> {
    const what = `XFS block-map B-tree block ${fsb} of inode ${w.ino}`;
    const offset = fsblockOffset(w.geo, fsb, 1, what);
    // A block reached twice means a pointer back up or across the tree: a loop or a shared subtree.
    if (w.visited.has(fsb)) throw new DiskFormatError(what, 'reached twice (the B-tree points back at itself)', offset);
    w.visited.add(fsb);
    const raw = await w.dev.read(offset, w.geo.blockSize);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const v5 = w.geo.version === 5;
    const hdr = v5 ? 72 : 24;
    const magic = v.getUint32(0);
    if (magic !== (v5 ? BMA3_MAGIC : BMAP_MAGIC)) throw new DiskFormatError(what, `bad magic 0x${magic.toString(16)}`, offset);
    if (v.getUint16(4) !== level) throw new DiskFormatError(what, `level ${v.getUint16(4)}, expected ${level}`, offset);
    if (v5 && (v.getBigUint64(24) !== BigInt(offset / 512) || v.getBigUint64(56) !== BigInt(w.ino))) {
        throw new DiskFormatError(what, `names block ${v.getBigUint64(24)} of inode ${v.getBigUint64(56)}`, offset);
    }
    const numrecs = v.getUint16(6);
    // Leaf records and node key+pointer pairs are both 16 bytes. An empty block has no place in a
    // non-empty tree; refusing it bounds the walk by the inode's extent count.
    const maxrecs = Math.floor((w.geo.blockSize - hdr) / 16);
    if (numrecs > maxrecs || numrecs === 0) throw new DiskFormatError(what, `${numrecs} records (at most ${maxrecs})`, offset);
    if (level === 0) {
        if (w.out.length + numrecs > w.limit) throw new DiskFormatError(what, `more extents than the inode's ${w.limit}`, offset);
        decodeRecords(w.geo, raw.subarray(hdr, hdr + numrecs * 16), numrecs, `XFS extent list of inode ${w.ino}`, w.out);
        return;
    }
    for (let i = 0; i < numrecs; i++) {
        await walkBlock(w, Number(v.getBigUint64(hdr + maxrecs * 8 + i * 8)), level - 1);
    }
}
