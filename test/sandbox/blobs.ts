/**
 * Real page blobs in Azurite: fixed VHDs (data + 512-byte footer) or VHDX images, with sparse,
 * deterministic pseudo-random data, so a download can be checked byte for byte against the
 * sha256 published in the manifest. Also the SAS URLs the ARM emulator hands out.
 */
import * as crypto from 'node:crypto';
import { BlobSASPermissions, BlobServiceClient, type PageBlobClient, SASProtocol, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { buildVhdFooter, buildVhdxHeaderArea, VHD_FOOTER_SIZE, VHDX_HEADER_AREA } from '../../src/formats/footer';
import { historyPieces } from './history';
import { imagePieces } from './imageTools';
import type { SeedBlob } from './types';

const MiB = 1024 * 1024;
const KiB = 1024;
const MAX_PUT_PAGES = 4 * MiB;
/** A fixed date keeps footers (and so the published sha256) identical from run to run. */
const FOOTER_TIME = new Date('2025-06-01T00:00:00Z');

export interface BlobSpec {
    container: string;
    blob: string;
    format: 'vhd' | 'vhdx';
    /** Virtual size of the data part in bytes (a whole number of MiB). */
    dataSize: number;
    /** Approximate bytes of data to write. */
    writtenTarget: number;
    /** Seed for the pseudo-random layout and content. */
    seed: string;
    /** An upload target: the right size, nothing written (not even the footer). */
    empty?: boolean;
    /** A raw image: data only, no VHD footer. */
    noFooter?: boolean;
    /** Compute the published sha256 (default true; false publishes ''). */
    hash?: boolean;
    /** A disk with a past (history.ts): the written pages of this generation instead of the seeded layout. */
    history?: { family: string; generation: number };
    /** A raw disk image (images.ts) of `dataSize` bytes: its non-zero blocks are the written pages. */
    image?: string;
}

interface Range { offset: number; length: number }

/** A small deterministic PRNG (mulberry32) for the layout; the content comes from AES-CTR. */
function prng(seed: string): () => number {
    let a = crypto.createHash('sha256').update(seed).digest().readUInt32LE(0);
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Non-overlapping, 4 KiB-aligned written ranges, sorted, totalling about `target` bytes. */
export function planRanges(seed: string, dataSize: number, target: number): Range[] {
    if (target <= 0) return [];
    const rand = prng(`layout:${seed}`);
    // Large disks get fewer, larger ranges so seeding stays quick.
    const slot = dataSize >= 512 * MiB ? 4 * MiB : MiB;
    const unit = slot / 16;
    const slots = Math.floor(dataSize / slot);
    const used = new Set<number>();
    const ranges: Range[] = [];
    let total = 0;
    // Slot 0 always has data, like a partition table would.
    const pick = (): number => {
        if (used.size === 0) return 0;
        for (;;) {
            const s = Math.floor(rand() * slots);
            if (!used.has(s)) return s;
        }
    };
    while (total < target && used.size < slots) {
        const s = pick();
        used.add(s);
        const length = Math.min(target - total <= unit ? unit : (1 + Math.floor(rand() * 16)) * unit, slot);
        const room = (slot - length) / (4 * KiB);
        const offset = s * slot + Math.floor(rand() * (room + 1)) * 4 * KiB;
        ranges.push({ offset, length });
        total += length;
    }
    return ranges.sort((x, y) => x.offset - y.offset);
}

/** Content for [offset, offset+length): AES-128-CTR keystream positioned at `offset`, so any slice is reproducible. */
export function contentAt(seed: string, offset: number, length: number): Buffer {
    const key = crypto.createHash('sha256').update(`content:${seed}`).digest().subarray(0, 16);
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(Math.floor(offset / 16)), 8);
    const cipher = crypto.createCipheriv('aes-128-ctr', key, iv);
    return cipher.update(Buffer.alloc(length));
}

const ZEROS = Buffer.alloc(MiB);
function hashZeros(h: crypto.Hash, n: number): void {
    while (n > 0) {
        const k = Math.min(n, ZEROS.length);
        h.update(k === ZEROS.length ? ZEROS : ZEROS.subarray(0, k));
        n -= k;
    }
}

/** Pieces of a blob to write, in blob offsets, plus the whole blob's size. */
function layout(spec: BlobSpec): { size: number; pieces: { offset: number; data: () => Buffer; length: number }[] } {
    const base = spec.format === 'vhdx' ? VHDX_HEADER_AREA : 0;
    const pieces: { offset: number; data: () => Buffer; length: number }[] = [];
    if (spec.empty) return { size: base + spec.dataSize + (spec.format === 'vhd' ? VHD_FOOTER_SIZE : 0), pieces };
    if (spec.format === 'vhdx') {
        const header = buildVhdxHeaderArea({ seed: 1 });
        pieces.push({ offset: 0, length: header.length, data: () => header });
    }
    if (spec.image) {
        for (const p of imagePieces(spec.image)) pieces.push({ offset: base + p.offset, length: p.length, data: p.data });
    } else if (spec.history) {
        for (const p of historyPieces(spec.history.family, spec.history.generation, spec.dataSize)) pieces.push({ offset: base + p.offset, length: p.length, data: () => p.data });
    } else {
        for (const r of planRanges(spec.seed, spec.dataSize, spec.writtenTarget)) {
            pieces.push({ offset: base + r.offset, length: r.length, data: () => contentAt(spec.seed, r.offset, r.length) });
        }
    }
    let size = base + spec.dataSize;
    if (spec.format === 'vhd' && !spec.noFooter) {
        // Every snapshot of a disk carries the disk's footer.
        const uniqueId = crypto.createHash('sha256').update(`id:${spec.history?.family ?? spec.seed}`).digest().subarray(0, 16);
        const footer = buildVhdFooter(spec.dataSize, { timestamp: FOOTER_TIME, uniqueId });
        pieces.push({ offset: spec.dataSize, length: VHD_FOOTER_SIZE, data: () => footer });
        size += VHD_FOOTER_SIZE;
    }
    return { size, pieces };
}

/** Creates the page blob, writes its pieces and returns its manifest entry. */
export async function seedBlob(service: BlobServiceClient, spec: BlobSpec, publicEndpoint: string): Promise<SeedBlob> {
    const { size, pieces } = layout(spec);
    const container = service.getContainerClient(spec.container);
    await container.createIfNotExists();
    const blob = container.getPageBlobClient(spec.blob);
    await blob.create(size);
    const hashed = spec.hash !== false;
    const hash = crypto.createHash('sha256');
    let pos = 0;
    let written = 0;
    // A rolling window of uploads: Azurite is the bottleneck, keep it busy.
    const inFlight = new Set<Promise<unknown>>();
    const flush = async () => { await Promise.all(inFlight); };
    for (const p of pieces) {
        if (hashed) hashZeros(hash, p.offset - pos);
        const data = p.data();
        if (hashed) hash.update(data);
        pos = p.offset + p.length;
        written += p.length;
        for (let o = 0; o < data.length; o += MAX_PUT_PAGES) {
            const part = data.subarray(o, Math.min(data.length, o + MAX_PUT_PAGES));
            const up: Promise<unknown> = blob.uploadPages(part, p.offset + o, part.length).finally(() => inFlight.delete(up));
            inFlight.add(up);
            if (inFlight.size >= 2) await Promise.race(inFlight);
        }
    }
    await flush();
    if (hashed) hashZeros(hash, size - pos);
    return {
        url: `${publicEndpoint.replace(/\/+$/, '')}/${spec.container}/${encodeURIComponent(spec.blob)}`,
        container: spec.container,
        blob: spec.blob,
        size,
        writtenBytes: written,
        sha256: hashed ? hash.digest('hex') : '',
        format: spec.format,
    };
}

export interface SasSigner {
    /** A SAS URL for `blob` (under the public, proxied endpoint). Records the signature as issued. */
    sign(blob: SeedBlob, permissions: 'r' | 'rw', durationSeconds: number): string;
    issued(): string[];
}

export function sasSigner(accountName: string, accountKey: string): SasSigner {
    const cred = new StorageSharedKeyCredential(accountName, accountKey);
    const issued: string[] = [];
    let n = 0;
    return {
        sign(blob, permissions, durationSeconds) {
            const now = Date.now();
            // Every grant gets a SAS of its own, as the service's do (two grants within one second
            // would otherwise sign the same times): the start moves back a second per grant.
            const skew = 5 * 60 + (n++ % 300);
            const q = generateBlobSASQueryParameters({
                containerName: blob.container,
                blobName: blob.blob,
                permissions: BlobSASPermissions.parse(permissions),
                // A little clock skew allowance, as the real service gives.
                startsOn: new Date(now - skew * 1000),
                expiresOn: new Date(now + durationSeconds * 1000),
                protocol: SASProtocol.HttpsAndHttp,
            }, cred);
            if (q.signature) issued.push(q.signature);
            return `${blob.url}?${q.toString()}`;
        },
        issued: () => [...issued],
    };
}

/** The key of a sandbox storage account (local to Azurite, derived from its name; not a secret of any real account). */
export function accountKey(name: string): string {
    return crypto.createHash('sha256').update(`sandbox-storage-account:${name}`).digest('base64');
}

export function serviceClient(endpoint: string, accountName: string, accountKey: string): BlobServiceClient {
    return new BlobServiceClient(endpoint, new StorageSharedKeyCredential(accountName, accountKey));
}

export const SIZES = { MiB };

function seedBlobEntry(spec: { container: string; blob: string; format: 'vhd' | 'vhdx' }, publicEndpoint: string, size: number, writtenBytes: number, sha256: string): SeedBlob {
    return {
        url: `${publicEndpoint.replace(/\/+$/, '')}/${spec.container}/${encodeURIComponent(spec.blob)}`,
        container: spec.container,
        blob: spec.blob,
        size,
        writtenBytes,
        sha256,
        format: spec.format,
    };
}

/**
 * An empty page blob of `size` bytes (an upload target). Nothing is hashed: the manifest entry of
 * a blob made at run time has `sha256: ''` (its content is whatever gets uploaded).
 */
export async function createEmptyBlob(service: BlobServiceClient, spec: { container: string; blob: string }, size: number, publicEndpoint: string): Promise<SeedBlob> {
    const container = service.getContainerClient(spec.container);
    await container.createIfNotExists();
    await container.getPageBlobClient(spec.blob).create(size);
    return seedBlobEntry({ ...spec, format: 'vhd' }, publicEndpoint, size, 0, '');
}

/**
 * Copies a page blob into a new page blob of this Azurite, written ranges only (as the disk
 * service copies a disk: holes stay holes). With `asVhdx`, the copy is the VHDX image of the
 * source VHD: a VHDX header area first, the data after it, no footer (as the seed builds them).
 */
export async function copyPageBlob(src: PageBlobClient, service: BlobServiceClient, spec: { container: string; blob: string }, publicEndpoint: string, asVhdx = false): Promise<SeedBlob> {
    const srcSize = (await src.getProperties()).contentLength ?? 0;
    const shift = asVhdx ? VHDX_HEADER_AREA : 0;
    const size = asVhdx ? VHDX_HEADER_AREA + srcSize - VHD_FOOTER_SIZE : srcSize;
    const container = service.getContainerClient(spec.container);
    await container.createIfNotExists();
    const dst = container.getPageBlobClient(spec.blob);
    await dst.create(size);
    let written = 0;
    if (asVhdx) {
        const header = buildVhdxHeaderArea({ seed: 1 });
        for (let o = 0; o < header.length; o += MAX_PUT_PAGES) await dst.uploadPages(header.subarray(o, o + MAX_PUT_PAGES), o, Math.min(MAX_PUT_PAGES, header.length - o));
        written += header.length;
    }
    const limit = asVhdx ? srcSize - VHD_FOOTER_SIZE : srcSize;
    for await (const r of src.listPageRanges()) {
        for (let o = r.start; o <= r.end && o < limit; o += MAX_PUT_PAGES) {
            const len = Math.min(MAX_PUT_PAGES, r.end + 1 - o, limit - o);
            const data = await src.downloadToBuffer(o, len);
            await dst.uploadPages(data, o + shift, len);
            written += len;
        }
    }
    return seedBlobEntry({ ...spec, format: asVhdx ? 'vhdx' : 'vhd' }, publicEndpoint, size, written, '');
}

export async function deleteBlob(service: BlobServiceClient, blob: { container: string; blob: string }): Promise<void> {
    await service.getContainerClient(blob.container).getBlobClient(blob.blob).deleteIfExists();
}
