/**
 * Disk image readers: each one maps an image file onto virtual-disk coordinates and lists the
 * parts that may hold data. Anything not listed reads as zeros.
 */

export type ImageFormat = 'raw' | 'vhd-fixed' | 'vhd-dynamic' | 'vhdx' | 'qcow2';

/** A stretch of the virtual disk that may hold data, with a way to fetch its bytes. */
export interface Extent {
    /** Offset in the virtual disk, bytes. */
    offset: number;
    length: number;
    /** Reads `count` bytes of the extent, starting `skip` bytes into it, into `buf` at `at`. Bytes past the end of the file read as zeros. */
    read(buf: Buffer, at: number, skip: number, count: number): Promise<void>;
}

export interface ImageReader {
    readonly format: ImageFormat;
    /** Size of the virtual disk the image describes, bytes (not rounded). */
    readonly virtualSize: number;
    /**
     * For a fixed VHD whose data is already a whole number of MiB: its own footer, uploaded as is.
     * Otherwise undefined and the uploader computes one.
     */
    readonly footer?: Buffer;
    /** Diagnostics, e.g. how holes were found. */
    readonly notes: string[];
    /** Data extents in ascending offset order, not overlapping. */
    extents(): AsyncIterable<Extent>;
    close(): Promise<void>;
}

export type ImageErrorCode =
    | 'UnknownFormat'
    | 'BadCookie'
    | 'BadChecksum'
    | 'Differencing'
    | 'BackingFile'
    | 'Encrypted'
    | 'LogReplay'
    | 'Unsupported'
    | 'Truncated'
    | 'TooSmall'
    | 'TooLarge'
    | 'Unreadable';

/** Something about the image file (not the network) makes it unfit for upload. The message names the fix. */
export class ImageError extends Error {
    constructor(readonly code: ImageErrorCode, message: string) {
        super(message);
        this.name = 'ImageError';
    }
}
