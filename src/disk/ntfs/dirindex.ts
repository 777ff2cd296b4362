/**
 * Folder indexes ($I30): the B-tree of $FILE_NAME keys whose root lies in $INDEX_ROOT and whose
 * other nodes are `INDX` blocks in $INDEX_ALLOCATION. The walk is bounded in depth, visits each
 * block once (a block reached twice is a loop in the tree and refused) and reads the allocation
 * in large windows rather than block by block.
 */
import { DiskFormatError } from '../types';
import { Mft } from './mft';
import { ATTR, Attribute, applyFixups, refRecord, u16, u32, u64, utf16 } from './record';
import { NonResident, readMapped } from './runlist';

export interface IndexEntry {
    record: number;
    name: string;
    /** 0 POSIX, 1 Win32, 2 DOS, 3 Win32 and DOS. */
    namespace: number;
}

export const NAMESPACE_DOS = 2;
/** Deeper than any real NTFS index (a few levels hold millions of names). */
const MAX_DEPTH = 32;
/** The allocation is fetched in windows of this size, so a large folder costs few reads. */
const WINDOW = 256 * 1024;

interface Walk {
    what: string;
    blockSize: number;
    /** Bytes per index VCN: a cluster, or 512 when index blocks are smaller than a cluster. */
    vcnSize: number;
    alloc?: NonResident;
    windows: Map<number, Uint8Array>;
    visited: Set<number>;
    out: IndexEntry[];
}

/** The entries of a folder's $I30 index, in index order (DOS names included; callers filter). */
export async function readDirIndex(mft: Mft, record: number, attributes: Attribute[]): Promise<IndexEntry[]> {
    const what = `NTFS index of MFT record ${record}`;
    const root = attributes.find((a) => a.type === ATTR.INDEX_ROOT && a.name === '$I30');
    if (!root || !root.resident) throw new DiskFormatError(what, 'has no resident $INDEX_ROOT named $I30: not a folder');
    const v = root.value!;
    if (v.length < 0x20) throw new DiskFormatError(what, `$INDEX_ROOT is only ${v.length} bytes`);
    if (u32(v, 0) !== ATTR.FILE_NAME) throw new DiskFormatError(what, `indexes attribute 0x${u32(v, 0).toString(16)}, not $FILE_NAME`);
    const blockSize = u32(v, 8);
    if (blockSize !== mft.geo.indexBlockSize) throw new DiskFormatError(what, `index block size ${blockSize} differs from the boot sector's ${mft.geo.indexBlockSize}`);
    const allocPieces = attributes.filter((a) => a.type === ATTR.INDEX_ALLOCATION && a.name === '$I30');
    const walk: Walk = {
        what,
        blockSize,
        vcnSize: blockSize >= mft.geo.clusterSize ? mft.geo.clusterSize : 512,
        alloc: allocPieces.length ? mft.stream(allocPieces, `$INDEX_ALLOCATION of MFT record ${record}`) : undefined,
        windows: new Map(),
        visited: new Set(),
        out: [],
    };
    await walkNode(mft, walk, v, 0x10, 0, 'root');
    return walk.out;
}

/** Reads the entries of one node (index header at `hdr` of `buf`) and, in order, its children. */
async function walkNode(mft: Mft, w: Walk, buf: Uint8Array, hdr: number, depth: number, where: string): Promise<void> {
    if (depth > MAX_DEPTH) throw new DiskFormatError(w.what, `the tree is deeper than ${MAX_DEPTH} levels at ${where}`);
    const first = hdr + u32(buf, hdr);
    const end = hdr + u32(buf, hdr + 4);
    if (end > buf.length || first < hdr + 16 || first > end) throw new DiskFormatError(w.what, `node header of ${where} points outside the node`);
    // Each entry is at least 16 bytes, so the node's length bounds the loop.
    for (let at = first; ;) {
        if (at + 16 > end) throw new DiskFormatError(w.what, `entries of ${where} run past the node without a last entry`);
        const len = u16(buf, at + 8);
        const keyLen = u16(buf, at + 10);
        const flags = u16(buf, at + 12);
        if (len < 16 || at + len > end || len % 8 !== 0 || 16 + keyLen > len) throw new DiskFormatError(w.what, `entry at byte ${at} of ${where} has length ${len}`);
        if (flags & 1) {
            if (len < 24 + keyLen) throw new DiskFormatError(w.what, `entry at byte ${at} of ${where} has no room for its child VCN`);
            const vcn = u64(buf, at + len - 8);
            await walkNode(mft, w, ...(await readBlock(mft, w, vcn, where)), depth + 1, `INDX block VCN ${vcn}`);
        }
        if (flags & 2) break;
        if (keyLen < 0x42 || 0x42 + 2 * buf[at + 16 + 0x40] > keyLen) throw new DiskFormatError(w.what, `key of entry at byte ${at} of ${where} is not a $FILE_NAME`);
        w.out.push({ record: refRecord(buf, at), name: utf16(buf, at + 16 + 0x42, buf[at + 16 + 0x40]), namespace: buf[at + 16 + 0x41] });
        at += len;
    }
}

/** The fixed-up INDX block at `vcn`, and the offset of its node header. */
async function readBlock(mft: Mft, w: Walk, vcn: number, from: string): Promise<[Uint8Array, number]> {
    if (!w.alloc) throw new DiskFormatError(w.what, `${from} points at child VCN ${vcn}, but there is no $INDEX_ALLOCATION`);
    if (w.visited.has(vcn)) throw new DiskFormatError(w.what, `${from} points at INDX block VCN ${vcn}, which the walk already visited: the tree has a loop`);
    w.visited.add(vcn);
    const offset = vcn * w.vcnSize;
    if (!Number.isSafeInteger(offset) || offset % w.blockSize !== 0 || offset + w.blockSize > w.alloc.dataSize) {
        throw new DiskFormatError(w.what, `${from} points at child VCN ${vcn}, outside the ${w.alloc.dataSize}-byte allocation`);
    }
    const win = Math.floor(offset / WINDOW) * WINDOW;
    let data = w.windows.get(win);
    if (!data) {
        data = await readMapped(mft.dev, mft.geo.clusterSize, w.alloc.runs, win, Math.min(WINDOW, w.alloc.dataSize - win), `$INDEX_ALLOCATION of ${w.what}`);
        // Hold at most 16 MiB of a huge folder's allocation at once.
        if (w.windows.size >= 64) w.windows.clear();
        w.windows.set(win, data);
    }
    const block = new Uint8Array(data.subarray(offset - win, offset - win + w.blockSize));
    const what = `${w.what}, INDX block VCN ${vcn}`;
    applyFixups(block, 'INDX', what, offset);
    if (u64(block, 0x10) !== vcn) throw new DiskFormatError(what, `says it is VCN ${u64(block, 0x10)}`);
    return [block, 0x18];
}
