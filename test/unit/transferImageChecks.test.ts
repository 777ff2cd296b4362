/**
 * The VHD and VHDX structure checks of the image readers, each on a small image qemu-img made with
 * one field changed: which defect gives which typed error, and which damage the second copy of a
 * VHDX header or region table survives. Small images, so it runs in about a second.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { ImageError, inspectImage } from '../../src/transfer/index';
import { crc32c } from '../../src/formats/footer';
import { convert, footerChecksum, hasTool, MiB, sh, refused } from './uploadKit';
import { scratch } from './support';

const tmp = scratch();
const skip = !hasTool('qemu-img') ? 'qemu-img missing: run test/tools/setup.sh' : false;
const KiB = 1024;

let n = 0;
const copyOf = (src: string) => {
    const p = path.join(tmp.dir, `${n++}-${path.basename(src)}`);
    fs.copyFileSync(src, p);
    return p;
};
/** Reads `len` bytes at `at`, lets `edit` change them, writes them back. */
function edit(file: string, at: number, len: number, change: (b: Buffer) => void): void {
    const fd = fs.openSync(file, 'r+');
    const b = Buffer.alloc(len);
    fs.readSync(fd, b, 0, len, at);
    change(b);
    fs.writeSync(fd, b, 0, len, at);
    fs.closeSync(fd);
}
/** A VHD footer's field set, with the checksum recomputed the way the spec does. */
const footerField = (file: string, at: number, set: (f: Buffer) => void) => edit(file, at, 512, (f) => {
    set(f);
    f.writeUInt32BE(footerChecksum(f), 64);
});
/** A VHDX structure changed, its CRC-32C (at offset 4) recomputed. */
const withCrc = (file: string, at: number, len: number, set: (b: Buffer) => void) => edit(file, at, len, (b) => {
    set(b);
    b.writeUInt32LE(0, 4);
    b.writeUInt32LE(crc32c(b), 4);
});

describe('VHD and VHDX structure checks', { skip }, () => {
    let fixed: string, dynamic: string, vhdx: string;
    before(() => {
        const raw = path.join(tmp.dir, 'src.raw');
        sh('truncate', ['-s', String(20 * MiB), raw]);
        fixed = convert(raw, path.join(tmp.dir, 'fixed.vhd'), 'vpc', ['-o', 'subformat=fixed,force_size=on']);
        dynamic = convert(raw, path.join(tmp.dir, 'dynamic.vhd'), 'vpc', ['-o', 'subformat=dynamic,force_size=on']);
        vhdx = convert(raw, path.join(tmp.dir, 'disk.vhdx'), 'vhdx');
    });
    const tail = (f: string) => fs.statSync(f).size - 512;

    it('the untouched images are read', async () => {
        assert.equal((await inspectImage(fixed)).format, 'vhd-fixed');
        assert.equal((await inspectImage(dynamic)).format, 'vhd-dynamic');
        assert.equal((await inspectImage(vhdx)).format, 'vhdx');
    });

    it('fixed VHD footer: cookie, checksum, disk type', async () => {
        let f = copyOf(fixed);
        edit(f, tail(f), 8, (b) => b.write('conectiX', 'latin1'));
        await refused(f, 'BadCookie', /fixed\.vhd is not a valid VHD: its footer cookie is not 'conectix'.*qemu-img convert -O vpc/);
        f = copyOf(fixed);
        edit(f, tail(f) + 64, 4, (b) => { b[3] ^= 1; });
        await refused(f, 'BadChecksum', /fixed\.vhd has a damaged VHD footer \(checksum mismatch\).*qemu-img convert/);
        for (const type of [0, 1, 5, 6]) {
            f = copyOf(fixed);
            footerField(f, tail(f), (b) => b.writeUInt32BE(type, 60));
            await refused(f, 'Unsupported', new RegExp(`fixed\\.vhd has VHD disk type ${type}; only fixed \\(2\\) and dynamic \\(3\\).*Convert it with qemu-img`));
        }
        f = copyOf(fixed);
        footerField(f, tail(f), (b) => b.writeUInt32BE(4, 60));
        await refused(f, 'Differencing', /fixed\.vhd is a differencing VHD.*Merge it/);
    });

    it('dynamic VHD: the copy at the end, the header cookie and checksum', async () => {
        let f = copyOf(dynamic);
        edit(f, tail(f), 8, (b) => b.fill(0));
        await refused(f, 'Truncated', /dynamic VHD's footer is missing from the end/);
        f = copyOf(dynamic);
        edit(f, tail(f) + 64, 4, (b) => { b[3] ^= 1; });
        await refused(f, 'BadChecksum', /damaged VHD footer \(checksum mismatch\)/);
        f = copyOf(dynamic);
        edit(f, 512, 8, (b) => b.write('cxsparsE', 'latin1'));
        await refused(f, 'BadCookie', /not a valid dynamic VHD: its dynamic disk header cookie is not 'cxsparse'.*Convert it/);
        for (const at of [8, 35, 40, 1023]) {
            f = copyOf(dynamic);
            edit(f, 512 + at, 1, (b) => { b[0] ^= 0x10; });
            await refused(f, 'BadChecksum', /damaged dynamic disk header \(checksum mismatch\)/);
        }
        f = copyOf(dynamic);
        edit(f, 512 + 36, 4, (b) => { b[3] ^= 1; });
        await refused(f, 'BadChecksum', /dynamic disk header/);
        // Bytes 36..39 hold the checksum itself: changed together with it, the header is still good.
        f = copyOf(dynamic);
        edit(f, 512, 1024, (h) => {
            h[24] ^= 0x01; // reserved byte, counted by the checksum
            let sum = 0;
            for (let i = 0; i < 1024; i++) if (i < 36 || i >= 40) sum += h[i];
            h.writeUInt32BE(~sum >>> 0, 36);
        });
        assert.equal((await inspectImage(f)).format, 'vhd-dynamic');
        // Both footers and nothing between: too short to hold a dynamic disk header.
        f = copyOf(dynamic);
        const footer = Buffer.alloc(512);
        edit(f, tail(f), 512, (b) => b.copy(footer));
        fs.writeFileSync(f, Buffer.concat([footer, footer]));
        await refused(f, 'Truncated', /is truncated \(1024 bytes\)/);
        // 1536 bytes is long enough to look for the header, which is then not there.
        fs.writeFileSync(f, Buffer.concat([footer, Buffer.alloc(512), footer]));
        await refused(f, 'BadCookie', /dynamic disk header cookie is not 'cxsparse'/);
        // A header offset past the end of the file (both footer copies agree, checksums fixed).
        f = copyOf(dynamic);
        for (const at of [0, tail(f)]) footerField(f, at, (b) => b.writeBigUInt64BE(BigInt(fs.statSync(f).size), 16));
        await refused(f, 'Truncated', /its dynamic disk header lies past the end of the file/);
    });

    it('VHDX identifier and headers: the valid header with the higher sequence number is used', async () => {
        let f = copyOf(vhdx);
        edit(f, 0, 8, (b) => b.write('vhdxfilE', 'latin1'));
        await assert.rejects(inspectImage(f), (e: unknown) => e instanceof ImageError);
        // One header damaged: the other is used, either one.
        for (const at of [64 * KiB, 128 * KiB]) {
            f = copyOf(vhdx);
            edit(f, at + 100, 1, (b) => { b[0] ^= 1; });
            assert.equal((await inspectImage(f)).format, 'vhdx', `header at ${at} damaged`);
        }
        f = copyOf(vhdx);
        edit(f, 64 * KiB + 100, 1, (b) => { b[0] ^= 1; });
        edit(f, 128 * KiB + 4, 4, (b) => { b[0] ^= 1; });
        await refused(f, 'BadChecksum', /neither VHDX header has a valid CRC-32C checksum.*Copy it again.*re-create it from its source/);
        // Only advice that can work: qemu-img cannot open such a file either, so no "qemu-img check -r all".
        await assert.rejects(inspectImage(f), (e: Error) => !/qemu-img check/.test(e.message));
        assert.throws(() => sh('qemu-img', ['check', '-r', 'all', f]), /No valid VHDX header/);
        // A header saying 'Head' is no header, even with a matching CRC.
        f = copyOf(vhdx);
        for (const at of [64 * KiB, 128 * KiB]) withCrc(f, at, 4 * KiB, (h) => h.write('Head', 0, 'latin1'));
        await refused(f, 'BadChecksum', /neither VHDX header/);
        // The current header is the one with the higher sequence number: a log GUID set in only
        // that one means a replay is due; set in only the older one, it is ignored.
        const seqs = (file: string) => [64 * KiB, 128 * KiB].map((at) => { let s = 0n; edit(file, at + 8, 8, (b) => { s = b.readBigUInt64LE(0); }); return s; });
        const [s1, s2] = seqs(vhdx);
        const newer = s1 > s2 ? 64 * KiB : 128 * KiB, older = s1 > s2 ? 128 * KiB : 64 * KiB;
        f = copyOf(vhdx);
        withCrc(f, newer, 4 * KiB, (h) => h.fill(0xab, 48, 64));
        await refused(f, 'LogReplay', /not closed cleanly.*replayed/);
        f = copyOf(vhdx);
        withCrc(f, older, 4 * KiB, (h) => h.fill(0xab, 48, 64));
        assert.equal((await inspectImage(f)).format, 'vhdx', 'a log GUID in the older header does not count');
        // Equal sequence numbers: the first valid one is kept.
        f = copyOf(vhdx);
        withCrc(f, 128 * KiB, 4 * KiB, (h) => { h.writeBigUInt64LE(s1, 8); h.fill(0xab, 48, 64); });
        withCrc(f, 64 * KiB, 4 * KiB, (h) => h.fill(0, 48, 64));
        assert.equal((await inspectImage(f)).format, 'vhdx', 'with equal sequence numbers the first header is current');
        // Log GUID bytes are 48..63: a change just outside them is no log.
        f = copyOf(vhdx);
        for (const at of [64 * KiB, 128 * KiB]) withCrc(f, at, 4 * KiB, (h) => { h[47] ^= 0xff; });
        assert.equal((await inspectImage(f)).format, 'vhdx');
        f = copyOf(vhdx);
        for (const at of [64 * KiB, 128 * KiB]) withCrc(f, at, 4 * KiB, (h) => { h[63] = 1; });
        await refused(f, 'LogReplay', /not closed cleanly/);
    });

    it('a VHDX cut inside its headers or region tables names the part that is missing', async () => {
        for (const [cut, part] of [[100 * KiB, 'header'], [200 * KiB, 'region table']] as const) {
            const f = copyOf(vhdx);
            fs.truncateSync(f, cut);
            await refused(f, 'Truncated', new RegExp(`is truncated: its ${part} lies past the end of the file \\(${cut} bytes\\)`));
        }
    });

    it('VHDX region tables: the second copy stands in for a damaged first; both damaged is refused', async () => {
        for (const at of [192 * KiB, 256 * KiB]) {
            const f = copyOf(vhdx);
            edit(f, at + 100, 1, (b) => { b[0] ^= 1; });
            assert.equal((await inspectImage(f)).format, 'vhdx', `region table at ${at} damaged`);
        }
        let f = copyOf(vhdx);
        for (const at of [192 * KiB, 256 * KiB]) edit(f, at + 4, 1, (b) => { b[0] ^= 1; });
        await refused(f, 'BadChecksum', /no VHDX region table has a valid CRC-32C checksum/);
        f = copyOf(vhdx);
        for (const at of [192 * KiB, 256 * KiB]) withCrc(f, at, 64 * KiB, (r) => r.write('Regi', 0, 'latin1'));
        await refused(f, 'BadChecksum', /no VHDX region table/);
        // The last byte of the 64 KiB table counts.
        f = copyOf(vhdx);
        for (const at of [192 * KiB, 256 * KiB]) edit(f, at + 64 * KiB - 1, 1, (b) => { b[0] ^= 1; });
        await refused(f, 'BadChecksum', /no VHDX region table/);
    });
});
