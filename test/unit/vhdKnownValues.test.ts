/**
 * VHD and VHDX checks against values this code did not produce: footers and headers written by
 * qemu-img, and the published CRC-32C check value. A fixture built by our own writer would pass
 * a checker with the same mistake; these would not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkVhdFooter, checkVhdxHeader, downloadBlob } from '../../src/transfer/index';
import { buildVhdFooter, buildVhdxHeaderArea, crc32c } from '../../src/formats/footer';
import { sparseModel } from '../bench/blobModel';
import { startRangeServer } from '../bench/rangeServer';
import { fastTuning, scratch } from './support';

const MiB = 1024 * 1024;
const tmp = scratch();

/**
 * The footer of a 4 MiB fixed VHD written by qemu-img 7.2
 * (`qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on raw4M out.vhd`): checksum
 * 0xffffe5ad, creator 'qem2', geometry 65535/16/255. Kept here so the check runs without qemu too.
 */
const QEMU_FOOTER_4MIB = Buffer.concat([
    Buffer.from('Y29uZWN0aXgAAAACAAEAAP//////////MqH6WHFlbTIABQADV2kyawAAAAAAQAAAAAAAAABAAAD//xD/AAAAAv//5a2ldie5uzlFt6OoBFssA5gQ', 'base64'),
]);
const FOOTER = Buffer.concat([QEMU_FOOTER_4MIB, Buffer.alloc(512 - QEMU_FOOTER_4MIB.length)]);

function hasQemuImg(): boolean {
    try {
        execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}
const qemu = hasQemuImg();
const needQemu = qemu ? {} : { skip: 'qemu-img is not installed (test/tools/setup.sh installs qemu-utils)' };

/** A raw image of `bytes` converted by qemu-img to `format` (with `options`); returns its path. */
function qemuConvert(name: string, bytes: number, format: string, options: string): string {
    const raw = path.join(tmp.dir, `${name}.raw`);
    fs.writeFileSync(raw, '');
    fs.truncateSync(raw, bytes);
    const out = path.join(tmp.dir, name);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', format, '-o', options, raw, out], { stdio: 'ignore' });
    return out;
}

describe('known values from other tools', () => {
    it('CRC-32C check value: crc32c("123456789") = 0xE3069283', () => {
        assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
        assert.equal(crc32c(Buffer.alloc(0)), 0);
        assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa, 'RFC 3720 B.4: 32 bytes of zeros');
        assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43, 'RFC 3720 B.4: 32 bytes of ones');
    });

    it("accepts qemu-img's fixed VHD footer (4 MiB), and names what is wrong once it is changed", () => {
        assert.equal(FOOTER.readUInt32BE(64), 0xffffe5ad);
        const ok = checkVhdFooter(FOOTER, 4 * MiB + 512);
        assert.equal(ok.passed, true, ok.detail);
        assert.equal(ok.detail, 'fixed VHD, 4194304 bytes virtual');

        const expectFail = (f: Buffer, size: number, re: RegExp) => {
            const c = checkVhdFooter(f, size);
            assert.equal(c.passed, false, `accepted: ${re}`);
            assert.match(c.detail ?? '', re);
        };
        expectFail(FOOTER, 4 * MiB + 1024, /current size 4194304 does not equal file size − 512 \(4194816\)/);
        expectFail(FOOTER.subarray(0, 511), 4 * MiB + 512, /footer is 511 bytes/);
        for (const [at, re] of [[0, /cookie/], [7, /cookie/], [63, /disk type is 3, expected 2/], [100, /checksum 0xffffe5ad does not match 0xffffe5ac/], [67, /checksum 0xffffe5ac does not match 0xffffe5ad/]] as const) {
            const f = Buffer.from(FOOTER);
            f[at] ^= 0x01;
            expectFail(f, 4 * MiB + 512, re);
        }
        // Every byte outside the checksum field counts, from the first to the last.
        for (const at of [8, 30, 511]) {
            const f = Buffer.from(FOOTER);
            f[at] ^= 0x80;
            assert.equal(checkVhdFooter(f, 4 * MiB + 512).passed, false, `byte ${at} changed`);
        }
        // A dynamic-disk type with the checksum repaired still fails on the type.
        const dyn = Buffer.from(FOOTER);
        dyn.writeUInt32BE(3, 60);
        dyn.writeUInt32BE(0, 64);
        let sum = 0;
        for (const b of dyn) sum += b;
        dyn.writeUInt32BE(~sum >>> 0, 64);
        expectFail(dyn, 4 * MiB + 512, /disk type is 3/);
        // Not a whole number of MiB: Azure refuses such disks, so must we.
        const odd = Buffer.from(FOOTER);
        odd.writeBigUInt64BE(BigInt(4 * MiB + 512), 48);
        odd.writeUInt32BE(0, 64);
        sum = 0;
        for (const b of odd) sum += b;
        odd.writeUInt32BE(~sum >>> 0, 64);
        expectFail(odd, 4 * MiB + 1024, /not a whole number of MiB/);
    });

    it('accepts fixed VHDs that qemu-img writes now, of several sizes', needQemu, () => {
        for (const mib of [1, 3, 64]) {
            const f = qemuConvert(`fixed-${mib}.vhd`, mib * MiB, 'vpc', 'subformat=fixed,force_size=on');
            const size = fs.statSync(f).size;
            assert.equal(size, mib * MiB + 512);
            const fd = fs.openSync(f, 'r');
            const footer = Buffer.alloc(512);
            fs.readSync(fd, footer, 0, 512, size - 512);
            fs.closeSync(fd);
            const c = checkVhdFooter(footer, size);
            assert.equal(c.passed, true, `${mib} MiB: ${c.detail}`);
        }
    });

    it("accepts qemu-img's VHDX header area; a flipped header byte or identifier fails", needQemu, () => {
        const f = qemuConvert('disk.vhdx', 8 * MiB, 'vhdx', 'subformat=fixed');
        const head = fs.readFileSync(f).subarray(0, 320 * 1024);
        const ok = checkVhdxHeader(head);
        assert.equal(ok.passed, true, ok.detail);
        assert.equal(ok.detail, 'vhdxfile, 2 valid header(s)');
        // One header broken: the other still vouches for the file.
        const one = Buffer.from(head);
        one[64 * 1024 + 100] ^= 0x01;
        assert.equal(checkVhdxHeader(one).detail, 'vhdxfile, 1 valid header(s)');
        const second = Buffer.from(head);
        second[128 * 1024 + 4095] ^= 0x01;
        assert.equal(checkVhdxHeader(second).detail, 'vhdxfile, 1 valid header(s)');
        const both = Buffer.from(one);
        both[128 * 1024 + 8] ^= 0x01;
        assert.equal(checkVhdxHeader(both).passed, false);
        assert.match(checkVhdxHeader(both).detail ?? '', /no VHDX header with a valid CRC-32C/);
        const sig = Buffer.from(head);
        sig[64 * 1024] = 0x48; // 'Head'
        sig[128 * 1024 + 3] = 0x00;
        assert.equal(checkVhdxHeader(sig).passed, false, 'a header must say "head"');
        const id = Buffer.from(head);
        id[7] ^= 0x20;
        assert.match(checkVhdxHeader(id).detail ?? '', /does not start with 'vhdxfile'/);
        assert.equal(checkVhdxHeader(head.subarray(0, 64 * 1024 + 4095)).passed, false, 'a cut-off header is not valid');
        assert.equal(checkVhdxHeader(head.subarray(0, 128 * 1024 + 4096)).detail, 'vhdxfile, 2 valid header(s)', 'exactly enough bytes for both headers');
        assert.equal(checkVhdxHeader(Buffer.from('vhdxfil')).passed, false);
        assert.equal(checkVhdxHeader(Buffer.from('vhdxfile')).detail, 'no VHDX header with a valid CRC-32C', 'the identifier alone is read, then no header');
        assert.equal(checkVhdxHeader(id).name, 'vhdx-signature');
        // The signature is checked on its own: a header saying 'Head' with a CRC that matches it is no header.
        const renamed = Buffer.from(head);
        for (const off of [64 * 1024, 128 * 1024]) {
            const h = renamed.subarray(off, off + 4096);
            h.write('Head', 0, 'ascii');
            h.writeUInt32LE(0, 4);
            h.writeUInt32LE(crc32c(h), 4);
        }
        assert.equal(checkVhdxHeader(renamed).passed, false, "headers without 'head'");
    });

    it('downloads a blob ending in the qemu-img footer and verifies it; a wrong byte fails the download', async () => {
        const model = sparseModel(4 * MiB, 0.25, 3, 31);
        FOOTER.copy(model.footer!);
        const server = await startRangeServer(model);
        try {
            const r = await downloadBlob({ url: server.url, destPath: path.join(tmp.dir, 'q.vhd'), chunkSize: MiB, tuning: fastTuning });
            const c = r.checks.find((x) => x.name === 'vhd-footer');
            assert.equal(c?.passed, true, c?.detail);
        } finally {
            await server.close();
        }
        model.footer![40] ^= 0x01;
        const changed = await startRangeServer(model); // a fresh server: its Content-MD5s are of the changed bytes
        try {
            await assert.rejects(downloadBlob({ url: changed.url, destPath: path.join(tmp.dir, 'q2.vhd'), chunkSize: MiB, tuning: fastTuning }),
                (e: Error & { code?: string }) => e.code === 'VerificationFailed' && /checksum/.test(e.message));
        } finally {
            await changed.close();
        }
    });
});

/** The 512-byte footer at the end of a fixed VHD that `qemu-img create -f vpc -o subformat=fixed` writes for `bytes`. */
function qemuCreatedFooter(bytes: number): Buffer {
    const out = path.join(tmp.dir, `created-${bytes}.vhd`);
    execFileSync('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=fixed', out, String(bytes)], { stdio: 'ignore' });
    const size = fs.statSync(out).size;
    const fd = fs.openSync(out, 'r');
    const footer = Buffer.alloc(512);
    fs.readSync(fd, footer, 0, 512, size - 512);
    fs.closeSync(fd);
    fs.rmSync(out);
    return footer;
}

const VHD_EPOCH_MS = Date.UTC(2000, 0, 1);
const geometryOf = (f: Buffer) => `${f.readUInt16BE(56)}/${f.readUInt8(58)}/${f.readUInt8(59)}`;

describe('the footer this extension writes (uploads of raw images)', () => {
    // qemu-img picks the CHS geometry by the VHD spec's algorithm and rounds the size up to it; for
    // its size the footer written here must agree field by field, except the creator application.
    // Sizes reach each branch: 17 sectors/track with 4 and 12 heads, 31, 63, 255, and the cap.
    it("matches qemu-img's fixed VHD footer for the same size, time and unique id", needQemu, () => {
        for (const bytes of [4 * MiB, 100 * MiB, 139_264_000, 150 * MiB, 600 * MiB, 33_822_867_456, 40 * 1024 * MiB, 130 * 1024 * MiB]) {
            const q = qemuCreatedFooter(bytes);
            const size = Number(q.readBigUInt64BE(48));
            const ours = buildVhdFooter(size, { timestamp: new Date(VHD_EPOCH_MS + q.readUInt32BE(24) * 1000), uniqueId: q.subarray(68, 84) });
            const at = `${bytes} bytes (qemu: ${size}, ${geometryOf(q)})`;
            assert.equal(geometryOf(ours), geometryOf(q), at);
            assert.equal(ours.toString('hex', 0, 28), q.toString('hex', 0, 28), `cookie, features, version, data offset, time stamp: ${at}`);
            assert.equal(ours.toString('hex', 36, 64), q.toString('hex', 36, 64), `host OS, sizes, geometry, type: ${at}`);
            assert.equal(ours.toString('hex', 68, 84), q.toString('hex', 68, 84), `unique id: ${at}`);
            assert.equal(ours.toString('ascii', 28, 32), 'azmd', 'creator application');
            assert.equal(ours.readUInt32BE(32), 0x00010000, 'creator version');
            assert.equal(ours.subarray(84).every((b) => b === 0), true, 'saved state and reserved bytes are zero');
            const check = checkVhdFooter(ours, size + 512);
            if (size % MiB === 0) assert.equal(check.passed, true, check.detail);
            else assert.match(check.detail ?? '', /is not a whole number of MiB/, 'checked up to the size rule Azure adds');
        }
    });

    it('geometry at the branch edges of the spec algorithm, by hand from the spec', () => {
        // 278 528 sectors: 17 sectors/track gives exactly 16 × 1024 cylinders×heads, so 31 is used;
        // 507 904 sectors: 31 gives exactly 16 × 1024, so 63; 65535×16×63 sectors: 255 from there on;
        // 65535×16×255 sectors and above: capped at 65535/16/255.
        const cases: [number, string][] = [
            [278_528, '561/16/31'], [278_527, '1023/16/17'], [272_000, '1000/16/17'],
            [507_904, '503/16/63'], [507_903, '1023/16/31'],
            [65535 * 16 * 63, '16191/16/255'], [65535 * 16 * 63 - 1, '65534/16/63'],
            [65535 * 16 * 255, '65535/16/255'], [65535 * 16 * 255 + 2048, '65535/16/255'],
        ];
        for (const [sectors, chs] of cases) assert.equal(geometryOf(buildVhdFooter(sectors * 512)), chs, `${sectors} sectors`);
    });

    it('stamps the current time (seconds since 2000-01-01 UTC), never before that origin', () => {
        const before = Math.floor((Date.now() - VHD_EPOCH_MS) / 1000);
        const ts = buildVhdFooter(MiB).readUInt32BE(24);
        const after = Math.floor((Date.now() - VHD_EPOCH_MS) / 1000);
        assert.ok(ts >= before && ts <= after, `${before} ≤ ${ts} ≤ ${after}`);
        assert.equal(buildVhdFooter(MiB, { timestamp: new Date(Date.UTC(1999, 11, 31)) }).readUInt32BE(24), 0);
        assert.equal(buildVhdFooter(MiB, { timestamp: new Date(VHD_EPOCH_MS + 86_400_000) }).readUInt32BE(24), 86_400);
        assert.equal(buildVhdFooter(MiB).toString('hex', 68, 84), buildVhdFooter(MiB).toString('hex', 68, 84), 'without a unique id, a fixed one');
        const ok = checkVhdFooter(buildVhdFooter(MiB), MiB + 512);
        assert.deepEqual(ok, { name: 'vhd-footer', passed: true, detail: 'fixed VHD, 1048576 bytes virtual' });
        assert.equal(checkVhdFooter(Buffer.alloc(512), MiB + 512).name, 'vhd-footer');
    });
});

describe('the VHDX header area made for tests', () => {
    it('is 1 MiB: identifier, two headers and two region tables with valid CRC-32C', () => {
        const b = buildVhdxHeaderArea({ seed: 7 });
        assert.equal(b.length, MiB);
        assert.deepEqual(checkVhdxHeader(b), { name: 'vhdx-signature', passed: true, detail: 'vhdxfile, 2 valid header(s)' });
        assert.equal(b.toString('utf16le', 8, 8 + 2 * 'azure-managed-disks'.length), 'azure-managed-disks', 'creator');
        for (const [off, seq] of [[64 * 1024, 7n], [128 * 1024, 8n]] as const) {
            const h = Buffer.from(b.subarray(off, off + 4096));
            assert.equal(h.readBigUInt64LE(8), seq, 'sequence number');
            assert.equal(h.readUInt16LE(66), 1, 'version');
            assert.equal(h.readUInt32LE(68), MiB, 'log length');
            assert.equal(h.readBigUInt64LE(72), BigInt(MiB), 'log offset');
        }
        assert.equal(buildVhdxHeaderArea().readBigUInt64LE(64 * 1024 + 8), 1n, 'default sequence number');
        for (const off of [192 * 1024, 256 * 1024]) {
            const r = Buffer.from(b.subarray(off, off + 64 * 1024));
            assert.equal(r.toString('ascii', 0, 4), 'regi');
            const stored = r.readUInt32LE(4);
            r.writeUInt32LE(0, 4);
            assert.equal(crc32c(r), stored, `region table at ${off}`);
        }
    });

    it('a header cut off by a short read never counts, even when the bytes present match its CRC', () => {
        const b = buildVhdxHeaderArea();
        const cut = Buffer.from(b.subarray(0, 64 * 1024 + 2048));
        const h = cut.subarray(64 * 1024);
        h.writeUInt32LE(0, 4);
        h.writeUInt32LE(crc32c(h), 4);
        assert.equal(checkVhdxHeader(cut).passed, false);
    });
});
