/**
 * An open ext volume: the checked superblock, a small cache of metadata blocks (group descriptors,
 * extent and indirect blocks), inodes read alone or many at once from the inode tables, and file
 * data read in large runs with holes and unwritten extents filled with zeros and never read.
 */
import { BlockDevice, DiskFormatError } from '../types';
import { Run, blockMapRuns, extentRuns, MapSource } from './extents';
import { FL_EXTENTS, FL_INLINE_DATA, Inode, inodeWhat, parseInode } from './inode';
import { Superblock, descriptorBlock, u32 } from './superblock';

/** Metadata blocks kept (a few MiB at most with 64 KiB blocks is still bounded by this count). */
const BLOCK_CACHE = 256;
const INODE_CACHE = 20_000;
/** The largest single data read; a contiguous extent longer than this is split. */
export const DATA_CHUNK = 4 * 1024 * 1024;
/** Inodes close together in a table are read in one piece when the gap between them is at most this. */
const INODE_GAP = 64 * 1024;
const INODE_SPAN = 1024 * 1024;

export class ExtVolume implements MapSource {
    private readonly blocks = new Map<number, Uint8Array>();
    private readonly inodes = new Map<number, Inode>();
    private readonly tables = new Map<number, number>();

    constructor(readonly dev: BlockDevice, readonly sb: Superblock) {}

    async readBlock(block: number, what: string): Promise<Uint8Array> {
        const hit = this.blocks.get(block);
        if (hit) {
            this.blocks.delete(block);
            this.blocks.set(block, hit);
            return hit;
        }
        if (!Number.isSafeInteger(block) || block < 0 || block >= this.sb.blocksCount) {
            throw new DiskFormatError(what, `block ${block} is outside the file system (${this.sb.blocksCount} blocks)`);
        }
        const b = await this.dev.read(block * this.sb.blockSize, this.sb.blockSize);
        if (this.blocks.size >= BLOCK_CACHE) this.blocks.delete(this.blocks.keys().next().value!);
        this.blocks.set(block, b);
        return b;
    }

    /** The first block of group `g`'s inode table, from its group descriptor. */
    private async inodeTable(g: number): Promise<number> {
        const known = this.tables.get(g);
        if (known !== undefined) return known;
        const sb = this.sb;
        const block = descriptorBlock(sb, g);
        const what = `ext group descriptor ${g}`;
        const b = await this.readBlock(block, what);
        const at = (g % (sb.blockSize / sb.descSize)) * sb.descSize;
        const table = u32(b, at + 8) + (sb.descSize >= 64 ? u32(b, at + 0x28) * 2 ** 32 : 0);
        const tableBlocks = Math.ceil((sb.inodesPerGroup * sb.inodeSize) / sb.blockSize);
        if (table <= sb.firstDataBlock || table + tableBlocks > sb.blocksCount) {
            throw new DiskFormatError(what, `inode table at block ${table} (${tableBlocks} blocks) lies outside the file system (${sb.blocksCount} blocks)`, block * sb.blockSize + at);
        }
        this.tables.set(g, table);
        return table;
    }

    private checkIno(ino: number, what: string): void {
        if (!Number.isSafeInteger(ino) || ino < 1 || ino > this.sb.inodesCount) {
            throw new DiskFormatError(what, `inode number ${ino} is out of range (1 to ${this.sb.inodesCount})`);
        }
    }

    /** Device byte offset of inode `ino`. */
    private async inodeOffset(ino: number): Promise<number> {
        const g = Math.floor((ino - 1) / this.sb.inodesPerGroup);
        const index = (ino - 1) % this.sb.inodesPerGroup;
        return (await this.inodeTable(g)) * this.sb.blockSize + index * this.sb.inodeSize;
    }

    private remember(inode: Inode): Inode {
        if (this.inodes.size >= INODE_CACHE) this.inodes.delete(this.inodes.keys().next().value!);
        this.inodes.set(inode.ino, inode);
        return inode;
    }

    async inode(ino: number, what = 'ext inode'): Promise<Inode> {
        this.checkIno(ino, what);
        const hit = this.inodes.get(ino);
        if (hit) return hit;
        const offset = await this.inodeOffset(ino);
        return this.remember(parseInode(await this.dev.read(offset, this.sb.inodeSize), ino, this.sb, offset));
    }

    /** Many inodes at once: sorted by position and read in pieces of up to 1 MiB, so a big folder costs a few reads. */
    async inodesOf(inos: number[], what: string): Promise<Map<number, Inode>> {
        const out = new Map<number, Inode>();
        const wanted: { ino: number; offset: number }[] = [];
        for (const ino of new Set(inos)) {
            this.checkIno(ino, what);
            const hit = this.inodes.get(ino);
            if (hit) out.set(ino, hit);
            else wanted.push({ ino, offset: await this.inodeOffset(ino) });
        }
        wanted.sort((a, b) => a.offset - b.offset);
        const size = this.sb.inodeSize;
        for (let i = 0; i < wanted.length;) {
            const start = wanted[i].offset;
            let j = i + 1;
            while (j < wanted.length && wanted[j].offset - (wanted[j - 1].offset + size) <= INODE_GAP && wanted[j].offset + size - start <= INODE_SPAN) j++;
            const piece = await this.dev.read(start, wanted[j - 1].offset + size - start);
            for (; i < j; i++) {
                const at = wanted[i].offset - start;
                out.set(wanted[i].ino, this.remember(parseInode(piece.subarray(at, at + size), wanted[i].ino, this.sb, wanted[i].offset)));
            }
        }
        return out;
    }

    /** Runs for logical blocks [first, end) of a block-addressed inode. */
    runs(inode: Inode, first: number, end: number): Promise<Run[]> {
        return inode.flags & FL_EXTENTS ? extentRuns(this, inode, first, end) : blockMapRuns(this, inode, first, end);
    }

    /** Reads device blocks [physical, physical + count) into `out` at `at`, in pieces of at most DATA_CHUNK. */
    async readRun(physical: number, skip: number, length: number, out: Uint8Array, at: number): Promise<void> {
        const base = physical * this.sb.blockSize + skip;
        for (let done = 0; done < length; done += DATA_CHUNK) {
            const n = Math.min(DATA_CHUNK, length - done);
            out.set(await this.dev.read(base + done, n), at + done);
        }
    }

    /** Bytes [offset, offset + length) of an inode's data (callers clip to its size). */
    async readData(inode: Inode, offset: number, length: number): Promise<Uint8Array> {
        const out = new Uint8Array(length);
        if (length === 0) return out;
        if (inode.flags & FL_INLINE_DATA) {
            const all = inlineBytes(inode);
            out.set(all.subarray(Math.min(offset, all.length), Math.min(offset + length, all.length)));
            return out;
        }
        const bs = this.sb.blockSize;
        const first = Math.floor(offset / bs);
        const runs = await this.runs(inode, first, Math.ceil((offset + length) / bs));
        for (const r of runs) {
            if (r.physical < 0) continue;
            const from = Math.max(r.logical * bs, offset);
            const to = Math.min((r.logical + r.count) * bs, offset + length);
            await this.readRun(r.physical, from - r.logical * bs, to - from, out, from - offset);
        }
        return out;
    }
}

/** An inline-data inode's bytes: the 60-byte i_block, then the `system.data` value. */
export function inlineBytes(inode: Inode): Uint8Array {
    const all = new Uint8Array(60 + inode.inlineTail.length);
    all.set(inode.iblock);
    all.set(inode.inlineTail, 60);
    if (inode.size > all.length) {
        throw new DiskFormatError(inodeWhat(inode.ino), `inline data holds ${all.length} bytes but the size says ${inode.size}`);
    }
    return all.subarray(0, inode.size);
}
