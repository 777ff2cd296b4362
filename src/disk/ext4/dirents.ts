/**
 * Directory entries: the linear ext4_dir_entry(_2) walk inside one directory block or inline
 * area, with the kernel's checks (rec_len at least 12 and a multiple of 4, large enough for the
 * name, inside the block; the inode number in range). An htree (dir_index) directory is read
 * through the same walk: its root block looks like `.` and a `..` whose rec_len covers the index,
 * and its interior index blocks look like one empty entry spanning the block ("Hash Tree
 * Directories"). The metadata_csum tail is an empty entry too.
 */
import { DiskFormatError } from '../types';
import { u16, u32 } from './superblock';

export interface DirEntry {
    ino: number;
    name: string;
    /** The dirent's file-type byte when the filetype feature is on, else 0. */
    fileType: number;
}

export interface DirContext {
    readonly what: string;
    readonly blockSize: number;
    readonly fileType: boolean;
    readonly inodesCount: number;
}

/** Size of an entry holding an `n`-byte name: 8 header bytes, the name, rounded up to 4. */
const recLenFor = (n: number) => (8 + n + 3) & ~3;

/**
 * rec_len as stored: 64 KiB blocks cannot hold 65536 in 16 bits, so there it is kept as 0 or
 * 65535 and the two low bits carry bits 16–17 (kernel `ext4_rec_len_from_disk`); smaller blocks
 * keep it plainly.
 */
function decodeRecLen(raw: number, blockSize: number): number {
    if (blockSize < 65536) return raw;
    if (raw === 0 || raw === 65535) return 65536;
    return (raw & 0xfffc) | ((raw & 3) << 16);
}

/**
 * The entries of `b[start, end)`, which must be chained exactly by rec_len. `where` is the device
 * byte offset of `b[0]` (for the error), or undefined.
 */
export function parseEntries(ctx: DirContext, b: Uint8Array, start: number, end: number, where: number | undefined): DirEntry[] {
    const out: DirEntry[] = [];
    // Each step advances by at least 12 bytes, so the walk ends within (end - start) / 12 steps.
    for (let at = start; at < end;) {
        const fail = (msg: string): never => {
            throw new DiskFormatError(ctx.what, `directory entry at byte ${at - start}: ${msg}`, where === undefined ? undefined : where + at);
        };
        if (at + 8 > end) fail(`header runs past the end of the block (${end - at} bytes left)`);
        const ino = u32(b, at);
        const recLen = decodeRecLen(u16(b, at + 4), ctx.blockSize);
        const nameLen = ctx.fileType ? b[at + 6] : u16(b, at + 6);
        if (recLen < 12) fail(`rec_len ${recLen} is smaller than the smallest entry (12)`);
        if (recLen % 4 !== 0) fail(`rec_len ${recLen} is not a multiple of 4`);
        if (at + recLen > end) fail(`rec_len ${recLen} runs past the end of the block`);
        if (ino !== 0) {
            if (recLen < recLenFor(nameLen)) fail(`rec_len ${recLen} is too small for a ${nameLen}-byte name`);
            if (nameLen === 0) fail('has an empty name');
            if (ino > ctx.inodesCount) fail(`inode ${ino} is out of range (1 to ${ctx.inodesCount})`);
            const name = Buffer.from(b.subarray(at + 8, at + 8 + nameLen)).toString('utf8');
            out.push({ ino, name, fileType: ctx.fileType ? b[at + 7] : 0 });
        }
        at += recLen;
    }
    return out;
}

/**
 * An inline directory ("Inline Data"): i_block starts with the parent's inode number (there is
 * no `.` or `..` entry), then entries fill the rest of i_block and, separately, the system.data value.
 */
export function parseInline(ctx: DirContext, iblock: Uint8Array, tail: Uint8Array): { parent: number; entries: DirEntry[] } {
    const parent = u32(iblock, 0);
    if (parent < 1 || parent > ctx.inodesCount) throw new DiskFormatError(ctx.what, `inline directory parent inode ${parent} is out of range`);
    const entries = parseEntries(ctx, iblock, 4, 60, undefined);
    if (tail.length) entries.push(...parseEntries(ctx, tail, 0, tail.length, undefined));
    return { parent, entries };
}
