/**
 * Image readers against images made by qemu-img: the extents a reader yields, laid out in virtual
 * coordinates, must equal `qemu-img convert -O raw` of the image. And every image defect is
 * refused by inspectImage with a typed error naming the fix.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { inspectImage, openImage } from '../../src/transfer/index';
import { crc32c } from '../../src/formats/footer';
import { convert, dd, footerChecksum, hasTool, makeRaw, MiB, oracleData, sh, refused } from './uploadKit';
import { scratch } from './support';

const tmp = scratch();
const skip = !hasTool('qemu-img') ? 'qemu-img missing: run test/tools/setup.sh' : false;

/** The virtual disk as the reader sees it: zeros, then each extent read at its offset. */
async function readAll(file: string, opts: { extentQuery?: boolean } = {}): Promise<{ data: Buffer; extentBytes: number; format: string; notes: string[] }> {
    const { info, reader } = await openImage(file, opts);
    try {
        const data = Buffer.alloc(info.dataSize);
        let extentBytes = 0;
        let last = -1;
        for await (const e of reader.extents()) {
            assert.ok(e.offset >= last, 'extents ascend without overlap');
            last = e.offset + e.length;
            extentBytes += e.length;
            // Read in two halves: partial reads must agree with the whole.
            const half = Math.floor(e.length / 2);
            await e.read(data, e.offset, 0, half);
            await e.read(data, e.offset + half, half, e.length - half);
        }
        // A second pass sees the same extents (the file system is asked once).
        let again = 0;
        for await (const e of reader.extents()) again += e.length;
        assert.equal(again, extentBytes, 'a second pass yields the same extents');
        return { data, extentBytes, format: info.format, notes: [...reader.notes] };
    } finally {
        await reader.close();
    }
}

describe('CRC-32C', () => {
    it('has the check value of the Castagnoli polynomial', () => {
        assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
    });
});

describe('image readers match qemu-img convert -O raw', { skip }, () => {
    let raw: string;
    before(() => {
        raw = path.join(tmp.dir, 'src.img');
        makeRaw(raw, 40 * MiB + 3 * 1024);
    });

    const cases: [string, string, string[]][] = [
        ['fixed VHD', 'vpc', ['-o', 'subformat=fixed,force_size=on']],
        ['dynamic VHD', 'vpc', ['-o', 'subformat=dynamic,force_size=on']],
        ['VHDX', 'vhdx', []],
        ['qcow2', 'qcow2', []],
        ['qcow2 v2 (compat=0.10)', 'qcow2', ['-o', 'compat=0.10']],
        ['compressed qcow2', 'qcow2', ['-c']],
        ['VHDX, fixed subformat', 'vhdx', ['-o', 'subformat=fixed']],
        ['VHDX, 1 MiB blocks', 'vhdx', ['-o', 'block_size=1M']],
        ['qcow2, 4 KiB clusters', 'qcow2', ['-o', 'cluster_size=4096']],
        ['compressed qcow2, 2 MiB clusters', 'qcow2', ['-c', '-o', 'cluster_size=2M']],
    ];
    it('raw (sparse, size not a whole MiB)', async () => {
        const r = await readAll(raw);
        assert.equal(r.format, 'raw');
        assert.ok(r.data.equals(oracleData(raw, tmp.dir)));
        assert.ok(r.extentBytes < 8 * MiB, `holes not listed as data (${r.extentBytes} bytes of extents)`);
    });
    it('raw without filefrag: says so, reads everything, same bytes', async () => {
        const saved = process.env.PATH;
        process.env.PATH = path.join(tmp.dir, 'no-tools');
        const lines: string[] = [];
        try {
            const { info, reader } = await openImage(raw, { log: (m) => lines.push(m) });
            let extentBytes = 0;
            for await (const e of reader.extents()) extentBytes += e.length;
            await reader.close();
            assert.equal(extentBytes, info.virtualSize, 'the whole file is one stretch of data');
            assert.ok(reader.notes.some((m) => /filefrag not found.*skipping zero pages/.test(m)));
            assert.ok(lines.some((m) => /filefrag not found/.test(m)), 'logged');
        } finally {
            process.env.PATH = saved;
        }
    });
    for (const [label, fmt, opts] of cases) {
        it(label, async () => {
            const img = convert(raw, path.join(tmp.dir, `${label.replace(/\W+/g, '-')}.${fmt === 'vpc' ? 'vhd' : fmt}`), fmt, opts);
            const r = await readAll(img);
            assert.ok(r.data.equals(oracleData(img, tmp.dir)), `${label}: bytes equal qemu-img's`);
            if (fmt !== 'vpc' || opts.join().includes('dynamic')) assert.ok(r.extentBytes <= 24 * MiB, `${label}: only allocated blocks (${r.extentBytes} of 40 MiB)`);
        });
    }

    it('VHDX: the holes inside its 32 MiB payload blocks are not read, and without filefrag the whole blocks are', async () => {
        const img = convert(raw, path.join(tmp.dir, 'holes-32m.vhdx'), 'vhdx', ['-o', 'block_size=32M']);
        const r = await readAll(img);
        assert.ok(r.data.equals(oracleData(img, tmp.dir)), 'bytes equal qemu-img\'s');
        const allocated = fs.statSync(img).blocks * 512;
        assert.ok(r.extentBytes <= allocated, `only what the file holds is read (${r.extentBytes} bytes of extents, ${allocated} allocated)`);
        const noQuery = await readAll(img, { extentQuery: false });
        assert.ok(noQuery.data.equals(r.data), 'same bytes when the extent query is turned off');
        assert.ok(noQuery.extentBytes >= 32 * MiB, `whole blocks read with the query off (${noQuery.extentBytes} bytes)`);
        const saved = process.env.PATH;
        process.env.PATH = path.join(tmp.dir, 'no-tools');
        try {
            const whole = await readAll(img);
            assert.ok(whole.data.equals(r.data), 'same bytes without filefrag');
            assert.ok(whole.extentBytes >= 32 * MiB, `whole blocks read without filefrag (${whole.extentBytes} bytes)`);
            assert.ok(whole.notes.some((m) => /filefrag not found.*skipping zero pages/.test(m)), 'says so in its notes');
            assert.equal(whole.notes.length, 1, 'asked once for two passes over the extents');
        } finally {
            process.env.PATH = saved;
        }
    });

    it('a dynamic VHD honours its sector bitmaps (cleared bits read as zeros)', async () => {
        const img = convert(raw, path.join(tmp.dir, 'bitmap.vhd'), 'vpc', ['-o', 'subformat=dynamic,force_size=on']);
        // Find block 0's sector bitmap via the spec's fields, clear the bit of sector 1, fill that sector on disk with junk.
        const b = fs.readFileSync(img);
        const hdr = Number(b.readBigUInt64BE(16));
        const bat = Number(b.readBigUInt64BE(hdr + 16));
        const block0 = b.readUInt32BE(bat) * 512;
        b[block0] &= ~0x40;
        b.fill(0xee, block0 + 512 + 512, block0 + 512 + 1024);
        fs.writeFileSync(img, b);
        const r = await readAll(img);
        // qemu's vpc driver does not consult bitmaps (its own images set every bit); the spec says a clear bit reads as zeros.
        const oracle = oracleData(img, tmp.dir);
        assert.ok(oracle.subarray(512, 1024).every((x) => x === 0xee), 'qemu reads the junk');
        oracle.fill(0, 512, 1024);
        assert.ok(r.data.equals(oracle));
    });
});

describe('inspectImage refuses bad images with the fix', { skip }, () => {
    let raw: string, fixed: string, dynamic: string;
    before(() => {
        raw = path.join(tmp.dir, 'bad-src.img');
        makeRaw(raw, 24 * MiB);
        fixed = convert(raw, path.join(tmp.dir, 'good-fixed.vhd'), 'vpc', ['-o', 'subformat=fixed,force_size=on']);
        dynamic = convert(raw, path.join(tmp.dir, 'good-dynamic.vhd'), 'vpc', ['-o', 'subformat=dynamic,force_size=on']);
    });
    const copy = (src: string, name: string) => {
        const p = path.join(tmp.dir, name);
        fs.copyFileSync(src, p);
        return p;
    };
    const patch = (file: string, at: number, bytes: Buffer) => {
        const fd = fs.openSync(file, 'r+');
        fs.writeSync(fd, bytes, 0, bytes.length, at);
        fs.closeSync(fd);
    };
    const footerAt = (file: string) => fs.statSync(file).size - 512;

    it('accepts the good ones and states the blob size', async () => {
        const i = await inspectImage(fixed);
        assert.equal(i.format, 'vhd-fixed');
        assert.equal(i.blobSize, 24 * MiB + 512);
        assert.equal(i.keepsFooter, true);
        assert.equal((await inspectImage(dynamic)).format, 'vhd-dynamic');
        assert.equal((await inspectImage(raw)).blobSize, 24 * MiB + 512);
    });
    it('wrong cookie', async () => {
        const f = copy(fixed, 'cookie.vhd');
        patch(f, footerAt(f), Buffer.from('conectiX'));
        await refused(f, 'BadCookie', /conectix.*qemu-img convert -O vpc -o subformat=fixed/);
    });
    it('bad footer checksum', async () => {
        const f = copy(fixed, 'checksum.vhd');
        patch(f, footerAt(f) + 40, Buffer.from([0x7f])); // original size changed, checksum left stale
        await refused(f, 'BadChecksum', /checksum.*qemu-img convert/);
    });
    it('bad dynamic header checksum', async () => {
        const f = copy(dynamic, 'dynhdr.vhd');
        patch(f, 512 + 28, Buffer.from([0, 0, 0, 1])); // max table entries, checksum left stale
        await refused(f, 'BadChecksum', /dynamic disk header/);
    });
    it('differencing VHD (disk type 4, checksum fixed up as the spec computes it)', async () => {
        const f = copy(dynamic, 'diff.vhd');
        for (const at of [0, footerAt(f)]) {
            const ft = Buffer.alloc(512);
            const fd = fs.openSync(f, 'r+');
            fs.readSync(fd, ft, 0, 512, at);
            ft.writeUInt32BE(4, 60);
            ft.writeUInt32BE(0, 64);
            ft.writeUInt32BE(footerChecksum(ft), 64);
            fs.writeSync(fd, ft, 0, 512, at);
            fs.closeSync(fd);
        }
        await refused(f, 'Differencing', /differencing.*parent.*qemu-img convert/);
    });
    it('qcow2 with a backing file', async () => {
        const base = convert(raw, path.join(tmp.dir, 'base.qcow2'), 'qcow2');
        const top = path.join(tmp.dir, 'overlay.qcow2');
        sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top]);
        await refused(top, 'BackingFile', /backing file.*qemu-img convert/);
    });
    it('encrypted qcow2', async () => {
        const enc = path.join(tmp.dir, 'enc.qcow2');
        // LUKS times its key derivation with the thread's CPU clock, and on a VM that clock can read
        // too coarse ("Unable to get accurate CPU usage"): that one error is the tool's, so ask again.
        for (let attempt = 1; ; attempt++) {
            try {
                sh('qemu-img', ['create', '-q', '-f', 'qcow2', '--object', 'secret,id=sec0,data=123456', '-o', 'encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=50', enc, '24M']);
                break;
            } catch (e) {
                if (attempt >= 5 || !/accurate CPU usage/.test(String((e as { stderr?: unknown }).stderr))) throw e;
            }
        }
        await refused(enc, 'Encrypted', /encrypted/);
    });
    it('qcow2 features beyond the simple cases: zstd compression, subclusters', async () => {
        const z = convert(raw, path.join(tmp.dir, 'zstd.qcow2'), 'qcow2', ['-c', '-o', 'compression_type=zstd']);
        await refused(z, 'Unsupported', /zstd.*compression_type=zlib/);
        const x = convert(raw, path.join(tmp.dir, 'subclusters.qcow2'), 'qcow2', ['-o', 'extended_l2=on']);
        await refused(x, 'Unsupported', /extended L2/);
    });
    it('truncated fixed VHD (footer gone)', async () => {
        const f = copy(fixed, 'cut-fixed.vhd');
        fs.truncateSync(f, footerAt(f) - 4096);
        await refused(f, 'BadCookie', /truncated or damaged/);
    });
    it('truncated dynamic VHD', async () => {
        const f = copy(dynamic, 'cut-dynamic.vhd');
        fs.truncateSync(f, fs.statSync(f).size - 3 * MiB);
        await refused(f, 'Truncated', /truncated/);
    });
    it('truncated VHDX and qcow2', async () => {
        const x = convert(raw, path.join(tmp.dir, 'cut.vhdx'), 'vhdx');
        fs.truncateSync(x, fs.statSync(x).size - 2 * MiB);
        await refused(x, 'Truncated', /truncated/);
        const q = convert(raw, path.join(tmp.dir, 'cut.qcow2'), 'qcow2');
        fs.truncateSync(q, fs.statSync(q).size - MiB);
        await refused(q, 'Truncated', /truncated/);
    });
    it('VHDX with a log to replay (log GUID set in both headers, CRC-32C fixed up)', async () => {
        const x = convert(raw, path.join(tmp.dir, 'log.vhdx'), 'vhdx');
        const fd = fs.openSync(x, 'r+');
        for (const at of [64 * 1024, 128 * 1024]) {
            const h = Buffer.alloc(4096);
            fs.readSync(fd, h, 0, 4096, at);
            h.fill(0xab, 48, 64);
            h.writeUInt32LE(0, 4);
            h.writeUInt32LE(crc32c(h), 4);
            fs.writeSync(fd, h, 0, 4096, at);
        }
        fs.closeSync(fd);
        await refused(x, 'LogReplay', /log.*replayed.*Hyper-V.*qemu-img check -r all/);
    });
    it('VHDX with both headers damaged', async () => {
        const x = convert(raw, path.join(tmp.dir, 'crc.vhdx'), 'vhdx');
        patch(x, 64 * 1024 + 100, Buffer.from([1]));
        patch(x, 128 * 1024 + 100, Buffer.from([1]));
        await refused(x, 'BadChecksum', /CRC-32C/);
    });
    it('too small (1 MiB) and too large (33 TiB, sparse)', async () => {
        const small = path.join(tmp.dir, 'small.img');
        sh('truncate', ['-s', '1M', small]);
        await refused(small, 'TooSmall', /at least 20 MiB.*resize/);
        const big = path.join(tmp.dir, 'big.qcow2');
        sh('qemu-img', ['create', '-q', '-f', 'qcow2', big, '33T']);
        await refused(big, 'TooLarge', /at most 32 TiB/);
    });
    it('unknown format, and a guest-state file taken as raw', async () => {
        const f = path.join(tmp.dir, 'disk.foo');
        sh('truncate', ['-s', '21M', f]);
        dd(f, '/dev/urandom', 4096, 0, 1);
        await refused(f, 'UnknownFormat', /rename it to \.img/);
        const vmgs = await inspectImage(f, { kind: 'vmgs' });
        assert.equal(vmgs.format, 'raw');
    });
    it('a missing file', async () => {
        await refused(path.join(tmp.dir, 'nope.img'), 'Unreadable', /Cannot open/);
    });
});

describe('large sparse images: BAT, L1 and chunk-ratio indexing past the first tables', { skip }, () => {
    const GiB = 1024 * MiB;
    const at = [0, 4 * GiB + 7 * MiB, 5 * GiB + 512 * 1024];
    let raw: string;
    const written = new Map<number, Buffer>();
    before(() => {
        raw = path.join(tmp.dir, 'big-src.img');
        sh('truncate', ['-s', String(6 * GiB), raw]);
        for (const a of at) {
            dd(raw, '/dev/urandom', 64 * 1024, a / (64 * 1024), 4);
            const b = Buffer.alloc(256 * 1024);
            const fd = fs.openSync(raw, 'r');
            fs.readSync(fd, b, 0, b.length, a);
            fs.closeSync(fd);
            written.set(a, b);
        }
    });
    const cases: [string, string, string[]][] = [
        ['dynamic VHD', 'vpc', ['-o', 'subformat=dynamic,force_size=on']],
        ['VHDX (past one chunk ratio of payload blocks)', 'vhdx', []],
        ['qcow2 (past one L2 table)', 'qcow2', []],
    ];
    for (const [label, fmt, opts] of cases) {
        it(label, async () => {
            const img = convert(raw, path.join(tmp.dir, `big.${fmt === 'vpc' ? 'vhd' : fmt}`), fmt, opts);
            const { info, reader } = await openImage(img);
            try {
                assert.equal(info.virtualSize, 6 * GiB);
                // The written pieces are where the reader says, and the extents hold nothing else.
                const seen = new Map([...written.keys()].map((a) => [a, Buffer.alloc(256 * 1024)]));
                for await (const e of reader.extents()) {
                    const b = Buffer.alloc(e.length);
                    await e.read(b, 0, 0, e.length);
                    let inside = false;
                    for (const [a, got] of seen) {
                        const s = Math.max(a, e.offset), end = Math.min(a + got.length, e.offset + e.length);
                        if (s < end) {
                            inside = true;
                            b.copy(got, s - a, s - e.offset, end - e.offset);
                        }
                    }
                    if (!inside) assert.ok(b.every((x) => x === 0), `extent at ${e.offset} holds only zeros`);
                }
                for (const [a, want] of written) assert.ok(seen.get(a)!.equals(want), `data at ${a}`);
            } finally {
                await reader.close();
                fs.rmSync(img);
            }
        });
    }
});
