/**
 * VHD (fixed) footer and VHDX header checks. Layouts: the VHD spec's hard disk footer (512 bytes,
 * big-endian, at the end of a fixed VHD) and MS-VHDX §2.2 (file type identifier, two headers,
 * region tables, CRC-32C).
 */
import type { TransferCheck } from '../shared/checks';

type VerificationCheck = TransferCheck<'vhd-footer' | 'vhdx-signature'>;

export const VHD_FOOTER_SIZE = 512;
const MiB = 1024 * 1024;
/** Seconds between the Unix epoch and 2000-01-01T00:00:00Z, the VHD timestamp origin. */
const VHD_EPOCH = 946684800;

/** CHS geometry per the VHD spec's algorithm. */
function geometry(totalSectors: number): { c: number; h: number; s: number } {
    const sectors = Math.min(totalSectors, 65535 * 16 * 255);
    let spt: number, heads: number, cth: number;
    if (sectors >= 65535 * 16 * 63) {
        spt = 255; heads = 16; cth = Math.floor(sectors / spt);
    } else {
        spt = 17; cth = Math.floor(sectors / spt);
        heads = Math.floor((cth + 1023) / 1024);
        if (heads < 4) heads = 4;
        if (cth >= heads * 1024 || heads > 16) { spt = 31; heads = 16; cth = Math.floor(sectors / spt); }
        if (cth >= heads * 1024) { spt = 63; heads = 16; cth = Math.floor(sectors / spt); }
    }
    return { c: Math.floor(cth / heads), h: heads, s: spt };
}

export function vhdChecksum(footer: Buffer): number {
    let sum = 0;
    for (let i = 0; i < VHD_FOOTER_SIZE; i++) {
        if (i >= 64 && i < 68) continue;
        sum = (sum + footer[i]) >>> 0;
    }
    return ~sum >>> 0;
}

/** A fixed-VHD footer for a disk of `virtualSize` bytes. `uniqueId` makes it deterministic in tests. */
export function buildVhdFooter(virtualSize: number, opts: { timestamp?: Date; uniqueId?: Buffer } = {}): Buffer {
    const f = Buffer.alloc(VHD_FOOTER_SIZE);
    f.write('conectix', 0, 'ascii');
    f.writeUInt32BE(0x00000002, 8);
    f.writeUInt32BE(0x00010000, 12);
    f.writeBigUInt64BE(0xffffffffffffffffn, 16);
    const ts = Math.max(0, Math.floor((opts.timestamp ?? new Date()).getTime() / 1000) - VHD_EPOCH);
    f.writeUInt32BE(ts >>> 0, 24);
    f.write('azmd', 28, 'ascii');
    f.writeUInt32BE(0x00010000, 32);
    f.write('Wi2k', 36, 'ascii');
    f.writeBigUInt64BE(BigInt(virtualSize), 40);
    f.writeBigUInt64BE(BigInt(virtualSize), 48);
    const g = geometry(Math.floor(virtualSize / 512));
    f.writeUInt16BE(g.c, 56);
    f.writeUInt8(g.h, 58);
    f.writeUInt8(g.s, 59);
    f.writeUInt32BE(2, 60);
    (opts.uniqueId ?? Buffer.alloc(16, 0x5a)).copy(f, 68, 0, 16);
    f.writeUInt32BE(vhdChecksum(f), 64);
    return f;
}

/** Checks the last 512 bytes of a file of `fileSize` bytes as a fixed-VHD footer. */
export function checkVhdFooter(footer: Buffer, fileSize: number): VerificationCheck {
    const fail = (detail: string): VerificationCheck => ({ name: 'vhd-footer', passed: false, detail });
    if (footer.length !== VHD_FOOTER_SIZE) return fail(`footer is ${footer.length} bytes, expected 512`);
    if (footer.toString('ascii', 0, 8) !== 'conectix') return fail("cookie is not 'conectix'");
    const type = footer.readUInt32BE(60);
    if (type !== 2) return fail(`disk type is ${type}, expected 2 (fixed)`);
    const current = Number(footer.readBigUInt64BE(48));
    if (current !== fileSize - VHD_FOOTER_SIZE) return fail(`current size ${current} does not equal file size − 512 (${fileSize - VHD_FOOTER_SIZE})`);
    if (current % MiB !== 0) return fail(`current size ${current} is not a whole number of MiB`);
    const stored = footer.readUInt32BE(64);
    const computed = vhdChecksum(footer);
    if (stored !== computed) return fail(`checksum 0x${stored.toString(16)} does not match 0x${computed.toString(16)}`);
    return { name: 'vhd-footer', passed: true, detail: `fixed VHD, ${current} bytes virtual` };
}

// ---- VHDX ------------------------------------------------------------------------------------

const CRC32C_TABLE = (() => {
    const t = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
        let c = i;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
        t[i] = c >>> 0;
    }
    return t;
})();

export function crc32c(buf: Buffer): number {
    let c = 0xffffffff;
    for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}

const KiB64 = 64 * 1024;
export const VHDX_HEADER_AREA = 1024 * 1024; // file identifier, 2 headers, 2 region tables

/**
 * The first MiB of a VHDX file: file type identifier ("vhdxfile"), header 1 and 2 (4 KiB each,
 * "head", CRC-32C over 4 KiB), region tables 1 and 2 ("regi", CRC-32C over 64 KiB).
 */
export function buildVhdxHeaderArea(opts: { seed?: number } = {}): Buffer {
    const b = Buffer.alloc(VHDX_HEADER_AREA);
    b.write('vhdxfile', 0, 'ascii');
    b.write('azure-managed-disks', 8, 'utf16le');
    const seed = opts.seed ?? 1;
    for (const [off, seq] of [[KiB64, seed], [2 * KiB64, seed + 1]] as const) {
        const h = b.subarray(off, off + 4096);
        h.write('head', 0, 'ascii');
        h.writeBigUInt64LE(BigInt(seq), 8);
        h.fill(seq & 0xff, 16, 64); // file write, data write and log GUIDs
        h.writeUInt16LE(0, 64); // log version
        h.writeUInt16LE(1, 66); // version
        h.writeUInt32LE(1024 * 1024, 68); // log length
        h.writeBigUInt64LE(BigInt(VHDX_HEADER_AREA), 72); // log offset
        h.writeUInt32LE(crc32c(h), 4);
    }
    for (const off of [3 * KiB64, 4 * KiB64]) {
        const r = b.subarray(off, off + KiB64);
        r.write('regi', 0, 'ascii');
        r.writeUInt32LE(0, 8); // entry count
        r.writeUInt32LE(crc32c(r), 4);
    }
    return b;
}

/** Checks the first 320 KiB of a VHDX file: identifier, then at least one header with a valid CRC. */
export function checkVhdxHeader(head: Buffer): VerificationCheck {
    const fail = (detail: string): VerificationCheck => ({ name: 'vhdx-signature', passed: false, detail });
    if (head.length < 8 || head.toString('ascii', 0, 8) !== 'vhdxfile') return fail("file does not start with 'vhdxfile'");
    let valid = 0;
    for (const off of [KiB64, 2 * KiB64]) {
        if (head.length < off + 4096) continue;
        const h = Buffer.from(head.subarray(off, off + 4096));
        if (h.toString('ascii', 0, 4) !== 'head') continue;
        const stored = h.readUInt32LE(4);
        h.writeUInt32LE(0, 4);
        if (crc32c(h) === stored) valid++;
    }
    if (valid === 0) return fail('no VHDX header with a valid CRC-32C');
    return { name: 'vhdx-signature', passed: true, detail: `vhdxfile, ${valid} valid header(s)` };
}
