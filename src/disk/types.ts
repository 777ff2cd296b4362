/**
 * What the disk readers share: a block device to read from, the file-system reader interface that
 * every file system implements, and the one error a damaged image ends in. No `vscode` here, and
 * nothing below this folder imports a feature: browsing is tested in the unit tier.
 *
 * Every offset, length and count a reader takes from an image is hostile input: it is checked
 * against what the device can really hold before it is used, recursion is bounded, loops are
 * detected, and no allocation is sized by an unchecked field.
 */

/** Random reads over a disk, a partition or a logical volume. */
export interface BlockDevice {
    /** Size in bytes. */
    readonly size: number;
    /**
     * Exactly `length` bytes at `offset`. A read that does not lie wholly inside the device throws
     * a {@link DiskFormatError}; so does a length over {@link MAX_READ}. The bytes are the
     * device's (a cache may hand the same buffer to the next caller): read them, never change
     * them in place.
     */
    read(offset: number, length: number): Promise<Uint8Array>;
    /**
     * Optional hint: the byte ranges [start, end) that may hold data, ascending. A reader that
     * knows a run is unwritten (a sparse file, a hole) does not need this; the block device uses
     * it to answer reads of unwritten pages without a request.
     */
    dataRanges?(): Promise<ReadonlyArray<{ start: number; end: number }>>;
}

/** The largest single read a reader may ask of a block device (callers split larger ones). */
export const MAX_READ = 64 * 1024 * 1024;

export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

/** One file, folder or link inside a file system, as its reader found it. */
export interface FsNode {
    /** Stable within one reader (an inode number, an MFT record, a cluster): the cache key. */
    readonly id: string;
    /** The name as stored in the image, decoded; may contain anything, including `/` or NUL. */
    readonly name: string;
    readonly type: NodeType;
    /** Bytes; for a symlink the length of its target. */
    readonly size: number;
    /** Milliseconds since 1970-01-01 UTC, where the file system keeps them. */
    readonly mtimeMs?: number;
    readonly atimeMs?: number;
    readonly ctimeMs?: number;
    readonly birthtimeMs?: number;
    /** POSIX mode bits where the file system keeps them. */
    readonly mode?: number;
    /** How many names this node has (hard links). */
    readonly links?: number;
}

/** A read-only file system over a block device. */
export interface FileSystemReader {
    /** What it is, as shown to the user: `ext4`, `FAT32`, `exFAT`, `NTFS`, `XFS`. */
    readonly type: string;
    /** The volume label, if any. */
    readonly label?: string;
    root(): Promise<FsNode>;
    /** The entries of a folder, without `.` and `..`. */
    list(dir: FsNode): Promise<FsNode[]>;
    /** Up to `length` bytes of a file from `offset`; short only at the end of the file. */
    read(file: FsNode, offset: number, length: number): Promise<Uint8Array>;
    /** A symlink's target as stored (never resolved here). */
    readlink(link: FsNode): Promise<string>;
}

/**
 * A structure inside the image is damaged or not what the reader can read. The message names the
 * structure and where it lies, so the user (and a test) can tell which check refused it.
 */
export class DiskFormatError extends Error {
    constructor(
        /** e.g. `GPT header`, `ext4 inode 12`, `NTFS runlist`. */
        readonly structure: string,
        message: string,
        /** Byte offset on the device where the structure lies, when known. */
        readonly offset?: number,
    ) {
        super(offset === undefined ? `${structure}: ${message}` : `${structure} at byte ${offset}: ${message}`);
        this.name = 'DiskFormatError';
    }
}

/** A view of part of a device: a partition or a stretch of a logical volume. */
export function sliceDevice(dev: BlockDevice, start: number, length: number, what = 'partition'): BlockDevice {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0 || start + length > dev.size) {
        throw new DiskFormatError(what, `lies outside the disk (${start} + ${length} > ${dev.size} bytes)`, start);
    }
    return {
        size: length,
        read(offset: number, n: number): Promise<Uint8Array> {
            checkRead(length, offset, n, what);
            return dev.read(start + offset, n);
        },
    };
}

/** Throws unless [offset, offset + length) lies inside a device of `size` bytes and length ≤ MAX_READ. */
export function checkRead(size: number, offset: number, length: number, what = 'read'): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
        throw new DiskFormatError(what, `points outside the device (${offset} + ${length} > ${size} bytes)`, offset);
    }
    if (length > MAX_READ) {
        throw new DiskFormatError(what, `asks for ${length} bytes at once (at most ${MAX_READ})`, offset);
    }
}

/** A block device over bytes in memory (tests, and small structures read whole). */
export function memoryDevice(bytes: Uint8Array): BlockDevice {
    return {
        size: bytes.length,
        async read(offset: number, length: number): Promise<Uint8Array> {
            checkRead(bytes.length, offset, length);
            return bytes.subarray(offset, offset + length);
        },
    };
}
