/**
 * Maps a file's logical blocks to device blocks: the ext4 extent tree (EXT4_EXTENTS_FL) and the
 * ext2/ext3 block map (12 direct pointers, then single, double and triple indirect blocks). Both
 * answer a list of runs covering the asked range exactly, holes and unwritten extents as runs with
 * no device block, so a read never touches the device for them.
 *
 * Layout from the kernel's ext4 documentation, "Extent Tree" and "Direct/Indirect Block Addressing".
 */
import { DiskFormatError } from '../types';
import { Inode, inodeWhat } from './inode';
import { Superblock, u16, u32 } from './superblock';

/** `count` logical blocks from `logical`; `physical` < 0 reads as zeros. */
export interface Run {
    logical: number;
    count: number;
    physical: number;
}

export interface MapSource {
    readonly sb: Superblock;
    /** One whole metadata block, cached. */
    readBlock(block: number, what: string): Promise<Uint8Array>;
}

const EXTENT_MAGIC = 0xf30a;
/** The kernel's EXT4_MAX_EXTENT_DEPTH; a deeper tree is damaged. */
export const MAX_EXTENT_DEPTH = 5;
/** ee_len above this marks an unwritten (preallocated) extent of ee_len - 32768 blocks. */
const INIT_MAX_LEN = 32768;
const LOGICAL_LIMIT = 2 ** 32;

/** Appends a run, merging it with the previous one when both are holes or physically contiguous. */
function push(runs: Run[], r: Run): void {
    const last = runs[runs.length - 1];
    if (last && last.logical + last.count === r.logical &&
        ((last.physical < 0 && r.physical < 0) || (last.physical >= 0 && last.physical + last.count === r.physical))) {
        last.count += r.count;
    } else {
        runs.push({ ...r });
    }
}

/** Fills the gaps between sorted, disjoint runs with holes so they cover [first, end) exactly. */
function cover(found: Run[], first: number, end: number): Run[] {
    const out: Run[] = [];
    let at = first;
    for (const r of found) {
        if (r.logical > at) push(out, { logical: at, count: r.logical - at, physical: -1 });
        push(out, r);
        at = r.logical + r.count;
    }
    if (at < end) push(out, { logical: at, count: end - at, physical: -1 });
    return out;
}

function checkBlock(sb: Superblock, block: number, count: number, what: string, where?: number): void {
    if (block < sb.firstDataBlock || block + count > sb.blocksCount) {
        throw new DiskFormatError(what, `points at blocks ${block}..${block + count - 1}, outside the file system (${sb.blocksCount} blocks)`, where);
    }
}

interface Walk {
    src: MapSource;
    what: string;
    first: number;
    end: number;
    found: Run[];
    seen: Set<number>;
}

/** Reads one extent node (the inode's i_block or a tree block) and descends where [first, end) needs. */
async function walkNode(w: Walk, b: Uint8Array, where: string, depthWanted: number | undefined, hi: number): Promise<void> {
    const magic = u16(b, 0);
    const entries = u16(b, 2);
    const max = u16(b, 4);
    const depth = u16(b, 6);
    if (magic !== EXTENT_MAGIC) throw new DiskFormatError(w.what, `extent header in ${where} has bad magic 0x${magic.toString(16)} (want 0xf30a)`);
    if (depth > MAX_EXTENT_DEPTH) throw new DiskFormatError(w.what, `extent tree in ${where} claims depth ${depth} (at most ${MAX_EXTENT_DEPTH})`);
    if (depthWanted !== undefined && depth !== depthWanted) throw new DiskFormatError(w.what, `extent node in ${where} has depth ${depth}, its parent says ${depthWanted}`);
    if (entries > max || 12 + max * 12 > b.length) throw new DiskFormatError(w.what, `extent header in ${where} claims ${entries} of ${max} entries, more than ${b.length} bytes hold`);
    let prevEnd = 0;
    for (let i = 0; i < entries; i++) {
        const e = 12 + i * 12;
        const logical = u32(b, e);
        if (logical < prevEnd || logical >= hi) throw new DiskFormatError(w.what, `extent entry ${i} in ${where} starts at block ${logical}, out of order`);
        if (depth === 0) {
            const raw = u16(b, e + 4);
            const len = raw > INIT_MAX_LEN ? raw - INIT_MAX_LEN : raw;
            const physical = u16(b, e + 6) * 2 ** 32 + u32(b, e + 8);
            if (len === 0 || logical + len > hi) throw new DiskFormatError(w.what, `extent ${i} in ${where} (${len} blocks at ${logical}) is empty or overlaps the next`);
            checkBlock(w.src.sb, physical, len, w.what);
            prevEnd = logical + len;
            const from = Math.max(logical, w.first);
            const to = Math.min(logical + len, w.end);
            if (from < to) w.found.push({ logical: from, count: to - from, physical: raw > INIT_MAX_LEN ? -1 : physical + (from - logical) });
        } else {
            const next = i + 1 < entries ? u32(b, e + 12) : hi;
            prevEnd = logical + 1;
            if (next <= w.first || logical >= w.end) continue;
            const child = u16(b, e + 8) * 2 ** 32 + u32(b, e + 4);
            checkBlock(w.src.sb, child, 1, w.what);
            // Depth falls by one per level, so a cycle can only come from two entries sharing a block.
            if (w.seen.has(child)) throw new DiskFormatError(w.what, `extent tree block ${child} is reached twice`);
            w.seen.add(child);
            const node = await w.src.readBlock(child, `${w.what} extent block ${child}`);
            await walkNode(w, node, `block ${child}`, depth - 1, Math.min(next, hi));
        }
    }
}

/** Runs for logical blocks [first, end) of an extent-mapped inode. */
export async function extentRuns(src: MapSource, inode: Inode, first: number, end: number): Promise<Run[]> {
    const w: Walk = { src, what: inodeWhat(inode.ino), first, end, found: [], seen: new Set() };
    await walkNode(w, inode.iblock, 'i_block', undefined, LOGICAL_LIMIT);
    return cover(w.found, first, end);
}

/** Runs for logical blocks [first, end) of a block-mapped (ext2/ext3) inode. */
export async function blockMapRuns(src: MapSource, inode: Inode, first: number, end: number): Promise<Run[]> {
    const what = inodeWhat(inode.ino);
    const per = src.sb.blockSize / 4;
    const out: Run[] = [];
    const emit = (logical: number, count: number, physical: number) => {
        const from = Math.max(logical, first);
        const to = Math.min(logical + count, end);
        if (from < to) push(out, { logical: from, count: to - from, physical: physical <= 0 ? -1 : physical + (from - logical) });
    };
    // A pointer covers `span` logical blocks from `base`; level 0 is a data block.
    const visit = async (ptr: number, level: number, base: number): Promise<void> => {
        const span = per ** level;
        if (base >= end || base + span <= first) return;
        if (ptr === 0) return emit(base, span, 0);
        checkBlock(src.sb, ptr, 1, what);
        if (level === 0) return emit(base, 1, ptr);
        const b = await src.readBlock(ptr, `${what} indirect block ${ptr}`);
        for (let i = 0; i < per; i++) await visit(u32(b, i * 4), level - 1, base + i * per ** (level - 1));
    };
    for (let i = 0; i < 12; i++) await visit(u32(inode.iblock, i * 4), 0, i);
    let base = 12;
    for (let level = 1; level <= 3; level++) {
        await visit(u32(inode.iblock, (11 + level) * 4), level, base);
        base += per ** level;
    }
    return cover(out, first, end);
}
