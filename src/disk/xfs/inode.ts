/**
 * The on-disk inode (xfs_dinode): the core fields a browser shows and the data fork the reader
 * follows. Layout per "XFS Algorithms & Data Structures", chapter "On-disk Inode". The v3 CRC
 * (di_crc) is not verified: a wrong checksum alone does not stop the reader, but every field it
 * uses is bounds-checked, and a v3 inode must name its own number (di_ino).
 */
import { DiskFormatError } from '../types';
import { XfsGeometry } from './superblock';

export const enum Format { Dev = 0, Local = 1, Extents = 2, Btree = 3 }

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

const DIFLAG2_BIGTIME = 0x8n;
const DIFLAG2_NREXT64 = 0x10n;

export interface XfsInode {
    readonly ino: number;
    /** Byte offset of the inode on the device. */
    readonly offset: number;
    readonly mode: number;
    readonly format: Format;
    readonly nlink: number;
    readonly size: number;
    readonly nextents: number;
    readonly atimeMs: number;
    readonly mtimeMs: number;
    readonly ctimeMs: number;
    readonly birthtimeMs?: number;
    /** The data fork's bytes (inline data, an extent list or a B-tree root). */
    readonly fork: Uint8Array;
}

/** Timestamp in ms: seconds + ns since 1970, or with bigtime ns since 1901-12-13 (spec: "Timestamps"). */
function timeMs(v: DataView, at: number, bigtime: boolean): number {
    if (bigtime) {
        const ns = v.getBigUint64(at);
        return Number(ns / 1_000_000n) - 2 ** 31 * 1000;
    }
    return v.getInt32(at) * 1000 + Math.floor(v.getUint32(at + 4) / 1e6);
}

export function parseInode(geo: XfsGeometry, raw: Uint8Array, ino: number, offset: number): XfsInode {
    const what = `XFS inode ${ino}`;
    const bad = (msg: string): never => {
        throw new DiskFormatError(what, msg, offset);
    };
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (v.getUint16(0) !== 0x494e) bad(`bad magic 0x${v.getUint16(0).toString(16)} (expected 'IN')`);
    const mode = v.getUint16(2);
    const version = raw[4];
    const format = raw[5] as Format;
    if (geo.version === 5 ? version !== 3 : version !== 1 && version !== 2) bad(`version ${version} on a v${geo.version} file system`);
    const coreSize = version === 3 ? 176 : 100;
    const flags2 = version === 3 ? v.getBigUint64(120) : 0n;
    if (version === 3 && v.getBigUint64(152) !== BigInt(ino)) bad(`claims to be inode ${v.getBigUint64(152)}`);
    const size = v.getBigInt64(56);
    if (size < 0n || size > BigInt(Number.MAX_SAFE_INTEGER)) bad(`size ${size}`);
    const nextents = version === 3 && flags2 & DIFLAG2_NREXT64 ? Number(v.getBigUint64(24)) : v.getUint32(76);
    if (nextents > geo.dBlocks) bad(`${nextents} extents on a file system of ${geo.dBlocks} blocks`);
    const forkOff = raw[82];
    const literal = geo.inodeSize - coreSize;
    const forkSize = forkOff === 0 ? literal : forkOff * 8;
    if (forkSize > literal) bad(`attribute fork offset ${forkOff} lies past the inode`);
    const type = mode & S_IFMT;
    const ok = format === Format.Local ? type === S_IFDIR || type === S_IFLNK || type === S_IFREG
        : format === Format.Extents || format === Format.Btree ? type === S_IFDIR || type === S_IFLNK || type === S_IFREG
            : format === Format.Dev && type !== S_IFDIR && type !== S_IFREG && type !== S_IFLNK && type !== 0;
    if (!ok) bad(`data fork format ${format} for mode 0${mode.toString(8)}`);
    const bigtime = geo.bigtime && (flags2 & DIFLAG2_BIGTIME) !== 0n;
    return {
        ino, offset, mode, format,
        nlink: version === 1 ? v.getUint16(6) : v.getUint32(16),
        size: Number(size), nextents,
        atimeMs: timeMs(v, 32, bigtime), mtimeMs: timeMs(v, 40, bigtime), ctimeMs: timeMs(v, 48, bigtime),
        birthtimeMs: version === 3 ? timeMs(v, 144, bigtime) : undefined,
        fork: raw.subarray(coreSize, coreSize + forkSize),
    };
}
