/**
 * Directory entries, as stored in a short-form directory (inline in the inode) and in directory
 * data blocks. Block, leaf, node and B-tree directories all keep every entry in data blocks below
 * the 32 GiB leaf offset (spec: "Directories", XFS_DIR2_LEAF_OFFSET); the hash leaves, da-btree
 * nodes and free-index blocks above it only speed up look-ups, so a listing never needs them.
 */
import { DiskFormatError } from '../types';
import { XfsGeometry, inodeNumber } from './superblock';

export interface DirEntry {
    readonly name: string;
    readonly ino: number;
}

const decoder = new TextDecoder('utf-8');

/** Short-form directory (xfs_dir2_sf_hdr + entries): 4-byte inode numbers unless i8count is set. */
export function parseShortForm(geo: XfsGeometry, data: Uint8Array, dirIno: number): DirEntry[] {
    const what = `XFS short-form directory of inode ${dirIno}`;
    const bad = (msg: string): never => {
        throw new DiskFormatError(what, msg);
    };
    if (data.length < 6) bad(`${data.length} bytes`);
    const count = data[0];
    const inoSize = data[1] ? 8 : 4;
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const readIno = (at: number) => inoSize === 8 ? v.getBigUint64(at) : BigInt(v.getUint32(at));
    let pos = 2 + inoSize; // past the header and the parent's number
    const out: DirEntry[] = [];
    for (let i = 0; i < count; i++) {
        // namelen, a 2-byte offset tag, the name, the file type if kept, the inode number.
        const namelen = pos < data.length ? data[pos] : 0;
        const end = pos + 3 + namelen + (geo.ftype ? 1 : 0) + inoSize;
        if (namelen === 0 || end > data.length) bad(`entry ${i} of ${count} runs past the ${data.length}-byte fork`);
        const name = decoder.decode(data.subarray(pos + 3, pos + 3 + namelen));
        out.push({ name, ino: inodeNumber(geo, readIno(end - inoSize), `${what}, entry '${name}'`) });
        pos = end;
    }
    return out;
}

const XDB3 = 0x58444233; // v5 single-block directory
const XDD3 = 0x58444433; // v5 data block
const XD2B = 0x58443242; // v4 single-block directory
const XD2D = 0x58443244; // v4 data block

/**
 * The entries of one directory data block (or the data part of a single-block directory).
 * `daddr` is its 512-byte sector number, which a v5 block records in its own header.
 */
export function parseDataBlock(geo: XfsGeometry, block: Uint8Array, dirIno: number, offset: number): DirEntry[] {
    const what = `XFS directory block of inode ${dirIno}`;
    const bad = (msg: string): never => {
        throw new DiskFormatError(what, msg, offset);
    };
    const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
    const magic = v.getUint32(0);
    const v5 = geo.version === 5;
    if (v5 ? magic !== XDB3 && magic !== XDD3 : magic !== XD2B && magic !== XD2D) bad(`bad magic 0x${magic.toString(16)}`);
    const hdr = v5 ? 64 : 16;
    if (v5 && (v.getBigUint64(8) !== BigInt(offset / 512) || v.getBigUint64(40) !== BigInt(dirIno))) {
        bad(`names sector ${v.getBigUint64(8)} of inode ${v.getBigUint64(40)}`);
    }
    let end = block.length;
    if (magic === XDB3 || magic === XD2B) {
        // A single-block directory ends in its leaf entries (8 bytes each) and an 8-byte tail.
        const count = v.getUint32(block.length - 8);
        if (count > (block.length - hdr - 8) / 8) bad(`leaf count ${count} overruns the block`);
        end = block.length - 8 - count * 8;
    }
    const out: DirEntry[] = [];
    for (let pos = hdr; pos < end;) {
        if (end - pos < 8) bad(`entry at ${pos} runs past ${end}`);
        if (v.getUint16(pos) === 0xffff) {
            // An unused region: freetag, length, ..., tag; lengths are multiples of 8.
            const len = v.getUint16(pos + 2);
            if (len < 8 || len % 8 || pos + len > end) bad(`free region at ${pos} of ${len} bytes`);
            pos += len;
            continue;
        }
        const namelen = block[pos + 8];
        const size = Math.ceil((8 + 1 + namelen + (geo.ftype ? 1 : 0) + 2) / 8) * 8;
        if (namelen === 0 || pos + size > end) bad(`entry at ${pos} with a ${namelen}-byte name runs past ${end}`);
        if (v.getUint16(pos + size - 2) !== pos) bad(`entry at ${pos} has tag ${v.getUint16(pos + size - 2)}`);
        const name = decoder.decode(block.subarray(pos + 9, pos + 9 + namelen));
        if (name !== '.' && name !== '..') {
            out.push({ name, ino: inodeNumber(geo, v.getBigUint64(pos), `${what}, entry '${name}'`) });
        }
        pos += size;
    }
    return out;
}
