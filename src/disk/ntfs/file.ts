/**
 * What one MFT file is, from its attributes: names ($FILE_NAME), times and DOS attributes
 * ($STANDARD_INFORMATION), data streams ($DATA, unnamed and named) and what kind of node it is —
 * including symbolic links, stored either as reparse points (Windows symlinks and junctions) or as
 * Interix links (a system file whose data starts with `IntxLNK\1`, as ntfs-3g writes them).
 */
import { DiskFormatError, NodeType } from '../types';
import { ATTR, Attribute, refRecord, u16, u32, utf16 } from './record';

export const IO_REPARSE_TAG_SYMLINK = 0xa000000c;
export const IO_REPARSE_TAG_MOUNT_POINT = 0xa0000003;
const FILE_ATTRIBUTE_SYSTEM = 0x0004;
const INTERIX_LINK = 'IntxLNK\u0001';
/** An Interix link target longer than a path can be is not one. */
export const MAX_INTERIX = 8 + 2 * 32768;

export interface FileName {
    parent: number;
    name: string;
    namespace: number;
}

export interface FileInfo {
    record: number;
    isDir: boolean;
    attributes: Attribute[];
    names: FileName[];
    /** DOS file attributes from $STANDARD_INFORMATION (0 when it is missing). */
    dosAttributes: number;
    times?: { birth: number; mtime: number; ctime: number; atime: number };
    /** Names other than DOS-only short names: the hard-link count. */
    links: number;
    /** $DATA attributes by stream name ('' is the file's content), pieces in record order. */
    streams: Map<string, Attribute[]>;
    reparse?: Uint8Array;
}

/** 100-ns intervals since 1601-01-01 UTC to ms since 1970-01-01 UTC. */
function ntfsTime(b: Uint8Array, o: number): number {
    const v = new DataView(b.buffer, b.byteOffset + o, 8).getBigUint64(0, true);
    return Number((v - 116444736000000000n) / 10000n);
}

/** Gathers what a file is from all its attributes (base and extension records). */
export function describe(record: number, isDir: boolean, attributes: Attribute[]): FileInfo {
    const what = `NTFS MFT record ${record}`;
    const info: FileInfo = { record, isDir, attributes, names: [], dosAttributes: 0, links: 0, streams: new Map() };
    for (const a of attributes) {
        if (a.type === ATTR.STANDARD_INFORMATION && a.resident) {
            const v = a.value!;
            if (v.length < 0x24) throw new DiskFormatError(what, `$STANDARD_INFORMATION is only ${v.length} bytes`);
            info.times = { birth: ntfsTime(v, 0), mtime: ntfsTime(v, 8), ctime: ntfsTime(v, 0x10), atime: ntfsTime(v, 0x18) };
            info.dosAttributes = u32(v, 0x20);
        } else if (a.type === ATTR.FILE_NAME && a.resident) {
            const v = a.value!;
            if (v.length < 0x42 || 0x42 + 2 * v[0x40] > v.length) throw new DiskFormatError(what, '$FILE_NAME overruns its attribute');
            info.names.push({ parent: refRecord(v, 0), name: utf16(v, 0x42, v[0x40]), namespace: v[0x41] });
        } else if (a.type === ATTR.DATA) {
            const list = info.streams.get(a.name) ?? [];
            list.push(a);
            info.streams.set(a.name, list);
        } else if (a.type === ATTR.REPARSE_POINT) {
            if (!a.resident) throw new DiskFormatError(what, '$REPARSE_POINT is not resident');
            info.reparse = a.value;
        }
    }
    info.links = info.names.filter((n) => n.namespace !== 2).length;
    return info;
}

/** The reparse tag, if the file is a reparse point. */
export function reparseTag(info: FileInfo): number | undefined {
    return info.reparse && info.reparse.length >= 8 ? u32(info.reparse, 0) : undefined;
}

/** Whether the file may be an Interix symbolic link (its data must still be checked). */
export function maybeInterix(info: FileInfo, dataSize: number): boolean {
    return !info.isDir && (info.dosAttributes & FILE_ATTRIBUTE_SYSTEM) !== 0 && dataSize > 8 && dataSize <= MAX_INTERIX && dataSize % 2 === 0;
}

/** The target of an Interix link's data, or undefined when the data is not one. */
export function interixTarget(data: Uint8Array): string | undefined {
    if (data.length < 8 || String.fromCharCode(...data.subarray(0, 8)) !== INTERIX_LINK) return undefined;
    return utf16(data, 8, (data.length - 8) >> 1);
}

/**
 * The name a symlink or junction reparse point shows (its print name, or the substitute name
 * when the print name is empty), per [MS-FSCC] 2.1.2.4 and 2.1.2.5. Undefined for other tags.
 */
export function reparseTarget(record: number, r: Uint8Array): string | undefined {
    const what = `NTFS reparse point of MFT record ${record}`;
    const tag = u32(r, 0);
    if (tag !== IO_REPARSE_TAG_SYMLINK && tag !== IO_REPARSE_TAG_MOUNT_POINT) return undefined;
    const dataLen = u16(r, 4);
    // Symbolic links carry a 4-byte flags field before the path buffer; mount points do not.
    const buffer = tag === IO_REPARSE_TAG_SYMLINK ? 20 : 16;
    if (8 + dataLen > r.length || buffer > 8 + dataLen) throw new DiskFormatError(what, `data length ${dataLen} overruns the attribute`);
    const name = (offField: number) => {
        const off = u16(r, offField);
        const len = u16(r, offField + 2);
        if (buffer + off + len > 8 + dataLen || len % 2 !== 0) throw new DiskFormatError(what, `name at ${off} (${len} bytes) overruns the path buffer`);
        return utf16(r, buffer + off, len / 2);
    };
    const print = name(12);
    return print !== '' ? print : name(8);
}

/** Whether an entry of this folder is a system file that listings leave out. */
export function isSystemEntry(dirRecord: number, entryRecord: number, name: string): boolean {
    // Records 0-15 are the metadata files ($MFT, $MFTMirr, $LogFile, $Volume, $AttrDef, the root,
    // $Bitmap, $Boot, $BadClus, $Secure, $UpCase, $Extend and reserved ones); the root also names
    // them with a leading '$', as it does anything else a volume keeps for itself.
    return dirRecord === 5 && (entryRecord < 16 || name.startsWith('$'));
}

/** The node type before any data is read: Interix links are found later, from their data. */
export function baseType(info: FileInfo): NodeType {
    const tag = reparseTag(info);
    if (tag === IO_REPARSE_TAG_SYMLINK || tag === IO_REPARSE_TAG_MOUNT_POINT) return 'symlink';
    // Other reparse points (deduplicated, cloud or WOF-compressed files) keep their data elsewhere.
    if (tag !== undefined) return 'other';
    return info.isDir ? 'dir' : 'file';
}
