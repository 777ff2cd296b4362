/**
 * inspectImage: everything about an image that can be wrong is found here, before any network
 * call — format, structure, checksums, truncation, the size Azure accepts.
 */
import * as path from 'node:path';
import { VHD_FOOTER_SIZE } from './footer';
import { ImageFile } from './file';
import { Qcow2Reader } from './qcow2';
import { FlatReader } from './raw';
import type { BlobKind } from '../shared/types';
import { ImageError, type ImageFormat, type ImageReader } from './types';
import { DynamicVhdReader, isVhdCookie, parseVhdFooter } from './vhd';
import { VhdxReader } from './vhdx';

const MiB = 1024 * 1024;
export const MIN_DISK_BYTES = 20 * MiB;
export const MAX_DISK_BYTES = 32 * 1024 * 1024 * MiB;

export interface InspectOptions {
    /** 'disk': an OS or data disk (20 MiB … 32 TiB). 'vmgs' / 'vmmd': guest state and metadata blobs, sized by the disk service. */
    kind?: BlobKind;
    log?: (message: string) => void;
    /** Ask the file system where a raw image's data is (default true); false reads everything. */
    extentQuery?: boolean;
    /**
     * The image is opened to read inside it (browsing), not to upload: no managed-disk size rules,
     * and a file of any name without another format's signature reads as a raw disk.
     */
    reading?: boolean;
}

export interface ImageInfo {
    path: string;
    format: ImageFormat;
    /** Size of the virtual disk as the image states it. */
    virtualSize: number;
    /** virtualSize rounded up to a whole MiB: the data part of the page blob. */
    dataSize: number;
    /** dataSize + 512 (the fixed VHD footer): the page blob's size, Azure's `uploadSizeBytes`. */
    blobSize: number;
    fileSize: number;
    mtimeMs: number;
    /** True when the image's own footer is uploaded (a MiB-aligned fixed VHD); else one is computed. */
    keepsFooter: boolean;
    notes: string[];
}

const RAW_EXT = new Set(['.img', '.raw', '.bin', '.dd']);
const FIXED_HINT = 'qemu-img convert -O vpc -o subformat=fixed,force_size=on';

function human(n: number): string {
    if (n >= 1024 * 1024 * MiB) return `${(n / (1024 * 1024 * MiB)).toFixed(2)} TiB`;
    if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(2)} GiB`;
    return `${(n / MiB).toFixed(2)} MiB`;
}

async function openReader(file: ImageFile, diskRules: boolean, log: (m: string) => void, query: boolean): Promise<ImageReader> {
    const name = file.name;
    const ext = path.extname(file.path).toLowerCase();
    const head = file.size >= 8 ? await file.readExact(0, Math.min(512, file.size), 'first sector') : Buffer.alloc(0);
    if (head.toString('latin1', 0, 8) === 'vhdxfile') return VhdxReader.open(file, log, query);
    if (head.length >= 4 && head.readUInt32BE(0) === 0x514649fb) return Qcow2Reader.open(file);
    const tail = file.size >= VHD_FOOTER_SIZE ? await file.readExact(file.size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE, 'footer') : Buffer.alloc(0);
    if (isVhdCookie(tail)) {
        const f = parseVhdFooter(tail, name);
        if (f.type === 3) return DynamicVhdReader.open(file, f);
        const data = file.size - VHD_FOOTER_SIZE;
        if (f.currentSize > data) throw new ImageError('Truncated', `${name} is truncated: its footer says ${f.currentSize} bytes of data, the file holds ${data}. Copy the image again from its source.`);
        if (f.currentSize !== data) throw new ImageError('BadChecksum', `${name} is not a consistent fixed VHD: its footer says ${f.currentSize} bytes of data, the file holds ${data}. Re-create it: ${FIXED_HINT}.`);
        const aligned = data % MiB === 0;
        const r = new FlatReader(file, 'vhd-fixed', data, aligned ? tail : undefined, log, query);
        if (!aligned) r.notes.push(`the fixed VHD's size (${data} bytes) is not a whole number of MiB: padding it with zeros and writing a new footer`);
        return r;
    }
    if (head.length === 512 && isVhdCookie(head)) {
        // A footer copy at offset 0 (dynamic/differencing VHD) without the footer at the end.
        const f = parseVhdFooter(head, name);
        throw new ImageError('Truncated', `${name} is truncated: the ${f.type === 3 ? 'dynamic ' : ''}VHD's footer is missing from the end of the file. Copy the image again from its source.`);
    }
    if (ext === '.vhd') throw new ImageError('BadCookie', `${name} is not a valid VHD: its footer cookie is not 'conectix' (the file may be truncated or damaged). Copy it again, or ${FIXED_HINT}. If it is a raw image, rename it to .img.`);
    if (ext === '.vhdx' || ext === '.avhdx') throw new ImageError('BadCookie', `${name} is not a valid VHDX: it does not start with 'vhdxfile'. Copy it again from its source.`);
    if (ext === '.qcow2' || ext === '.qcow') throw new ImageError('BadCookie', `${name} is not a valid qcow2 image (no 'QFI\\xfb' magic). Copy it again from its source.`);
    if (RAW_EXT.has(ext) || !diskRules) return new FlatReader(file, 'raw', file.size, undefined, log, query);
    throw new ImageError('UnknownFormat', `${name} is not an image this extension knows (raw .img/.raw, VHD, VHDX or qcow2). If it is a raw disk image, rename it to .img; otherwise convert it: qemu-img convert -O vpc -o subformat=fixed,force_size=on ${name} disk.vhd.`);
}

function sizeInfo(file: ImageFile, r: ImageReader, diskRules: boolean): ImageInfo {
    const dataSize = Math.ceil(r.virtualSize / MiB) * MiB;
    const name = file.name;
    if (diskRules && dataSize < MIN_DISK_BYTES) {
        throw new ImageError('TooSmall', `${name} describes a ${human(r.virtualSize)} disk; Azure managed disks are at least 20 MiB. Grow the image first, e.g. qemu-img resize -f ${r.format === 'raw' ? 'raw' : r.format.startsWith('vhd-') ? 'vpc' : r.format} ${name} 20M (for a raw image, truncate -s 20M ${name}).`);
    }
    if (dataSize > MAX_DISK_BYTES) {
        throw new ImageError('TooLarge', `${name} describes a ${human(r.virtualSize)} disk; Azure managed disks are at most 32 TiB. Shrink the file system and the image below 32 TiB first.`);
    }
    if (dataSize === 0) throw new ImageError('TooSmall', `${name} is empty.`);
    const keepsFooter = r.footer !== undefined && dataSize === r.virtualSize;
    return { path: file.path, format: r.format, virtualSize: r.virtualSize, dataSize, blobSize: dataSize + VHD_FOOTER_SIZE, fileSize: file.size, mtimeMs: file.mtimeMs, keepsFooter, notes: [...r.notes] };
}

/** Opens an image for reading after all checks passed. The caller closes the reader. */
export async function openImage(file: string, opts: InspectOptions = {}): Promise<{ info: ImageInfo; reader: ImageReader }> {
    // A disk to upload follows the managed-disk rules; guest state blobs and images opened to read do not.
    const diskRules = (opts.kind ?? 'disk') === 'disk' && !opts.reading;
    const f = await ImageFile.open(file);
    try {
        const reader = await openReader(f, diskRules, opts.log ?? (() => undefined), opts.extentQuery !== false);
        const info = sizeInfo(f, reader, diskRules);
        if (reader.format === 'qcow2') {
            // Walks the L2 tables (no data) so a cut qcow2 is refused now, not mid-upload.
            for await (const e of reader.extents()) void e;
        }
        return { info, reader };
    } catch (e) {
        await f.close().catch(() => undefined);
        throw e;
    }
}

/** Checks an image for upload without any network call; throws ImageError with the fix in plain words. */
export async function inspectImage(file: string, opts: InspectOptions = {}): Promise<ImageInfo> {
    const { info, reader } = await openImage(file, opts);
    await reader.close();
    return info;
}
