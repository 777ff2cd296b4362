/**
 * One ext inode decoded: mode, size, times, flags, the 60-byte i_block area (extent root, block
 * map or inline data) and, for inline-data inodes, the `system.data` value kept in the inode's
 * in-body extended attributes. Offsets follow the kernel's ext4 "Index Nodes" and "Extended
 * Attributes" documentation.
 */
import { DiskFormatError, NodeType } from '../types';
import { Superblock, hugeFiles, u16, u32 } from './superblock';

export const FL_ENCRYPT = 0x800;
export const FL_INDEX = 0x1000;
export const FL_HUGE_FILE = 0x40000;
export const FL_EXTENTS = 0x80000;
export const FL_INLINE_DATA = 0x10000000;

const S_IFMT = 0xf000;
export const S_IFDIR = 0x4000;
export const S_IFREG = 0x8000;
export const S_IFLNK = 0xa000;

export interface Inode {
    readonly ino: number;
    readonly mode: number;
    readonly type: NodeType;
    readonly size: number;
    readonly links: number;
    readonly flags: number;
    /** 512-byte sectors (or blocks when huge_file says so) in use, metadata included. */
    readonly sectors: number;
    readonly fileAcl: number;
    /** The raw i_block area: 60 bytes. */
    readonly iblock: Uint8Array;
    /** The in-body `system.data` value of an inline-data inode (empty when absent). */
    readonly inlineTail: Uint8Array;
    readonly atimeMs?: number;
    readonly ctimeMs?: number;
    readonly mtimeMs?: number;
    readonly birthtimeMs?: number;
}

export function inodeWhat(ino: number): string {
    return `ext inode ${ino}`;
}

function nodeType(mode: number): NodeType {
    switch (mode & S_IFMT) {
        case S_IFDIR: return 'dir';
        case S_IFREG: return 'file';
        case S_IFLNK: return 'symlink';
        default: return 'other';
    }
}

const s32 = (b: Uint8Array, o: number) => u32(b, o) | 0;

/**
 * Seconds plus the optional `_extra` word: its two low bits extend the signed 32-bit seconds by
 * whole epochs of 2^32 s, the upper thirty bits are nanoseconds ("Inode Timestamps").
 */
function time(b: Uint8Array, at: number, extraAt: number | undefined, bodyEnd: number): number {
    let sec = s32(b, at);
    let nsec = 0;
    if (extraAt !== undefined && extraAt + 4 <= bodyEnd) {
        const extra = u32(b, extraAt);
        sec += (extra & 3) * 2 ** 32;
        nsec = Math.floor(extra / 4);
    }
    return sec * 1000 + Math.floor(Math.min(nsec, 999_999_999) / 1e6);
}

/** Decodes the `inodeSize` bytes of inode `ino`, found at device byte `offset`. */
export function parseInode(b: Uint8Array, ino: number, sb: Superblock, offset: number): Inode {
    const what = inodeWhat(ino);
    const mode = u16(b, 0);
    const type = nodeType(mode);
    const flags = u32(b, 0x20);
    // The kernel reads i_size_high for every file but only for directories when largedir is on.
    const sizeHigh = type === 'dir' && !(sb.incompat & 0x4000) ? 0 : u32(b, 0x6c);
    const size = u32(b, 0x4) + sizeHigh * 2 ** 32;
    if (!Number.isSafeInteger(size)) throw new DiskFormatError(what, `size ${sizeHigh}·2^32 is beyond what can be addressed`, offset);
    let sectors = u32(b, 0x1c) + (hugeFiles(sb) ? u16(b, 0x74) * 2 ** 32 : 0);
    if (hugeFiles(sb) && flags & FL_HUGE_FILE) sectors *= sb.blockSize / 512;
    // The in-body area past 128 bytes is i_extra_isize long; it must fit the on-disk inode.
    let bodyEnd = 128;
    if (sb.inodeSize > 128) {
        const extra = u16(b, 0x80);
        if (extra % 4 !== 0 || 128 + extra > sb.inodeSize) throw new DiskFormatError(what, `i_extra_isize ${extra} does not fit a ${sb.inodeSize}-byte inode`, offset);
        bodyEnd = 128 + extra;
    }
    const inlineTail = flags & FL_INLINE_DATA ? findSystemData(b, bodyEnd, sb.inodeSize, what, offset) : new Uint8Array(0);
    const times = {
        atimeMs: time(b, 0x8, 0x8c, bodyEnd),
        ctimeMs: time(b, 0xc, 0x84, bodyEnd),
        mtimeMs: time(b, 0x10, 0x88, bodyEnd),
        birthtimeMs: 0x94 <= bodyEnd ? time(b, 0x90, 0x94, bodyEnd) : undefined,
    };
    return {
        ino, mode, type, size, links: u16(b, 0x1a), flags, sectors,
        fileAcl: u32(b, 0x68) + (sb.incompat & 0x80 ? u16(b, 0x76) * 2 ** 32 : 0),
        iblock: b.slice(0x28, 0x28 + 60),
        inlineTail, ...times,
    };
}

/** The in-body extended-attribute magic, then 16-byte entries padded to 4 bytes, ended by 4 zero bytes. */
const XATTR_MAGIC = 0xea020000;
const XATTR_INDEX_SYSTEM = 7;

/** The value of `system.data` from the in-body xattr area [start, end) of an inline-data inode. */
function findSystemData(b: Uint8Array, start: number, end: number, what: string, offset: number): Uint8Array {
    if (start + 4 > end || u32(b, start) !== XATTR_MAGIC) return new Uint8Array(0);
    const base = start + 4;
    // Each entry takes at least 16 bytes, so this walk ends within (end - base) / 16 steps.
    for (let at = base; at + 4 <= end && u32(b, at) !== 0;) {
        if (at + 16 > end) throw new DiskFormatError(what, 'in-inode extended attribute entry runs past the inode', offset + at);
        const nameLen = b[at];
        const entryLen = (16 + nameLen + 3) & ~3;
        if (at + entryLen > end) throw new DiskFormatError(what, 'in-inode extended attribute name runs past the inode', offset + at);
        const name = Buffer.from(b.subarray(at + 16, at + 16 + nameLen)).toString('latin1');
        if (b[at + 1] === XATTR_INDEX_SYSTEM && name === 'data') {
            const valueOffs = u16(b, at + 2);
            const valueInum = u32(b, at + 4);
            const valueSize = u32(b, at + 8);
            if (valueInum !== 0) throw new DiskFormatError(what, 'inline data kept in an extended-attribute inode (ea_inode) is not supported', offset + at);
            if (base + valueOffs + valueSize > end) throw new DiskFormatError(what, `inline data value (${valueSize} bytes at ${valueOffs}) runs past the inode`, offset + at);
            return b.slice(base + valueOffs, base + valueOffs + valueSize);
        }
        at += entryLen;
    }
    return new Uint8Array(0);
}
