/**
 * The upload engine end to end against real Azurite: per format, the bytes that land in the page
 * blob equal `qemu-img convert -O raw` of the image, padded to a whole MiB, plus a fixed VHD
 * footer; only Put Page is sent; zero pages are not; failures, cancel and resume behave.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImageError, TransferError, uploadImage, type UploadProgress, type UploadResult } from '../../src/transfer/index';
import { fastTuning, scratch } from './support';
import { convert, dd, footerChecksum, hasTool, makeRaw, MiB, oracleData, qemuFooter, readBlob, sh, startCountingProxy, startStorage, type CountingProxy, type Storage } from './uploadKit';

const tmp = scratch();
const skip = !hasTool('qemu-img') ? 'qemu-img missing: run test/tools/setup.sh' : false;
const tuning = { ...fastTuning };
let n = 0;

/** Non-zero 512-byte pages of `b`, in bytes: what a zero-skipping upload must send (footer aside). */
function nonZeroBytes(b: Buffer): number {
    let count = 0;
    for (let p = 0; p < b.length; p += 512) if (b.subarray(p, p + 512).some((x) => x !== 0)) count++;
    return count * 512;
}

function onlyPutPage(proxy: CountingProxy): void {
    const puts = proxy.requests.filter((r) => r.method === 'PUT');
    assert.ok(puts.every((r) => r.comp === 'page'), `only Put Page, saw ${JSON.stringify(puts.filter((r) => r.comp !== 'page'))}`);
}

function sentBytes(proxy: CountingProxy): number {
    return proxy.requests.filter((r) => r.method === 'PUT').reduce((s, r) => s + r.bytes, 0);
}

describe('upload to a disk page blob on Azurite', { skip }, () => {
    let storage: Storage;
    let proxy: CountingProxy;
    let raw: string;
    before(async () => {
        storage = await startStorage();
        proxy = await startCountingProxy(storage.azurite.port);
        raw = path.join(tmp.dir, 'src.img');
        makeRaw(raw, 40 * MiB + 3 * 1024);
    });
    after(async () => {
        await proxy?.stop();
        await storage?.stop();
    });

    /** Uploads `image` into a fresh blob of the size the test computes itself; checks the blob against the oracle. */
    async function roundTrip(image: string, opts: { zeroGap?: number; kind?: 'disk' | 'vmgs' } = {}): Promise<{ r: UploadResult; sent: number; expected: Buffer }> {
        const expected = oracleData(image, tmp.dir);
        const blobSize = expected.length + 512;
        const { client, sas } = await storage.diskBlob(`disk-${n++}`, blobSize);
        proxy.requests.length = 0;
        const logs: string[] = [];
        const r = await uploadImage({ imagePath: image, url: proxy.url(sas), concurrency: 4, zeroGap: opts.zeroGap, kind: opts.kind, tuning, log: (m) => logs.push(m) });
        onlyPutPage(proxy);
        assert.ok(r.checks.every((c) => c.passed), JSON.stringify(r.checks));
        assert.deepEqual(r.checks.map((c) => c.name).sort(), ['page-ranges', 'range-md5', 'size', 'vhd-footer']);
        const back = await readBlob(client, blobSize);
        assert.ok(back.data.subarray(0, expected.length).equals(expected), 'data equals qemu-img convert -O raw, padded');
        const f = back.data.subarray(expected.length);
        assert.equal(f.toString('latin1', 0, 8), 'conectix');
        assert.equal(f.readUInt32BE(60), 2, 'fixed');
        assert.equal(Number(f.readBigUInt64BE(48)), expected.length, 'current size');
        assert.equal(f.readUInt32BE(64), footerChecksum(f), 'checksum');
        // Sizes and disk type as qemu-img writes them for the same data (qemu's force_size geometry is its own marker, 65535/16/255).
        const q = qemuFooter(expected, tmp.dir);
        assert.ok(f.subarray(40, 56).equals(q.subarray(40, 56)) && f.subarray(60, 64).equals(q.subarray(60, 64)), 'size and type fields equal qemu-img\'s');
        assert.ok(logs.every((l) => !/sig=/.test(l)), 'no SAS in logs');
        return { r, sent: sentBytes(proxy), expected };
    }

    it('raw, size not a whole MiB: padded, footer computed, holes and zero pages not sent', async () => {
        const { r, sent, expected } = await roundTrip(raw, { zeroGap: 0 });
        assert.equal(r.format, 'raw');
        assert.equal(sent, nonZeroBytes(expected) + 512, 'exactly the non-zero pages and the footer');
        assert.equal(r.bytesSent, sent);
        assert.equal(r.bytesSkipped, r.blobSize - sent);
    });
    it('raw with the default zero gap: short zero runs ride along, long ones are skipped', async () => {
        const { r, sent, expected } = await roundTrip(raw);
        const nz = nonZeroBytes(expected) + 512;
        assert.ok(sent >= nz && sent <= nz + 64 * 1024, `sent ${sent}, non-zero ${nz}`);
        assert.ok(r.requests < 12, `${r.requests} requests`);
    });
    const cases: [string, string, string, string[]][] = [
        ['fixed VHD (not a whole MiB: new footer)', 'vhd', 'vpc', ['-o', 'subformat=fixed,force_size=on']],
        ['dynamic VHD', 'vhd', 'vpc', ['-o', 'subformat=dynamic,force_size=on']],
        ['VHDX', 'vhdx', 'vhdx', []],
        ['qcow2', 'qcow2', 'qcow2', []],
        ['compressed qcow2', 'qcow2', 'qcow2', ['-c']],
    ];
    for (const [label, ext, fmt, opts] of cases) {
        it(label, async () => {
            const img = convert(raw, path.join(tmp.dir, `u-${label.replace(/\W+/g, '-')}.${ext}`), fmt, opts);
            const { sent, expected } = await roundTrip(img, { zeroGap: 0 });
            assert.equal(sent, nonZeroBytes(expected) + 512, 'only non-zero pages and the footer');
        });
    }
    it('a MiB-aligned fixed VHD keeps its own footer, byte for byte (a VMGS file)', async () => {
        const src = path.join(tmp.dir, 'vmgs.raw');
        sh('truncate', ['-s', '4M', src]);
        dd(src, '/dev/urandom', 4096, 10, 20);
        const vmgs = convert(src, path.join(tmp.dir, 'guest.vmgs.vhd'), 'vpc', ['-o', 'subformat=fixed,force_size=on']);
        const { r } = await roundTrip(vmgs, { kind: 'vmgs' });
        assert.equal(r.format, 'vhd-fixed');
        const st = fs.statSync(vmgs);
        const own = Buffer.alloc(512);
        const fd = fs.openSync(vmgs, 'r');
        fs.readSync(fd, own, 0, 512, st.size - 512);
        fs.closeSync(fd);
        const { client } = { client: storage.service.getContainerClient('disks').getPageBlobClient(`disk-${n - 1}`) };
        assert.ok((await client.downloadToBuffer(st.size - 512, 512)).equals(own));
    });

    it('refuses bad images and insecure URLs before any request', async () => {
        const { sas } = await storage.diskBlob(`disk-${n++}`, 20 * MiB + 512);
        const small = path.join(tmp.dir, 'tiny.img');
        sh('truncate', ['-s', '1M', small]);
        const cut = convert(raw, path.join(tmp.dir, 'cut.vhd'), 'vpc', ['-o', 'subformat=dynamic,force_size=on']);
        fs.truncateSync(cut, fs.statSync(cut).size - 2 * MiB);
        proxy.requests.length = 0;
        for (const [img, code] of [[small, 'TooSmall'], [cut, 'Truncated'], [path.join(tmp.dir, 'missing.img'), 'Unreadable']] as const) {
            await assert.rejects(uploadImage({ imagePath: img, url: proxy.url(sas), tuning }), (e: unknown) => e instanceof ImageError && e.code === code && !/sig=/.test(e.message));
        }
        await assert.rejects(uploadImage({ imagePath: raw, url: 'http://storage.example.com/disks/x?sv=1&sig=abc', tuning }), (e: unknown) => e instanceof TransferError && e.code === 'InsecureUrl' && !/sig=abc/.test(e.message));
        assert.equal(proxy.requests.length, 0, 'no request reached storage');
    });

    it('refuses a blob whose size is not the image\'s upload size, before any Put Page', async () => {
        const { sas } = await storage.diskBlob(`disk-${n++}`, 64 * MiB + 512);
        proxy.requests.length = 0;
        await assert.rejects(uploadImage({ imagePath: raw, url: proxy.url(sas), tuning }), (e: unknown) => e instanceof TransferError && e.code === 'BlobChanged' && /uploadSizeBytes = 42992128/.test(e.message));
        assert.equal(proxy.requests.filter((r) => r.method === 'PUT').length, 0);
    });

    it('fails verification when the blob holds pages the image does not (a reused blob), and drops the journal', async () => {
        const { client, sas } = await storage.diskBlob(`disk-${n++}`, 41 * MiB + 512);
        await client.uploadPages(Buffer.alloc(512, 0x42), 30 * MiB, 512); // stale data where the image has a hole
        const journalPath = path.join(tmp.dir, 'reused.journal');
        await assert.rejects(uploadImage({ imagePath: raw, url: proxy.url(sas), journalPath, tuning }), (e: unknown) => {
            assert.ok(e instanceof TransferError && e.code === 'VerificationFailed', String(e));
            assert.match(e.message, /page-ranges: .*blob has 31457280-31457791/);
            return true;
        });
        assert.ok(!fs.existsSync(journalPath));
    });

    it('retries a 503 with Retry-After, and does not retry a 403', async () => {
        const blobSize = 41 * MiB + 512;
        let { sas } = await storage.diskBlob(`disk-${n++}`, blobSize);
        proxy.requests.length = 0;
        let puts = 0;
        proxy.fault = (r) => (r.method === 'PUT' && puts++ === 0 ? { status: 503, code: 'ServerBusy', headers: { 'retry-after': '1' } } : undefined);
        const t0 = Date.now();
        const ok = await uploadImage({ imagePath: raw, url: proxy.url(sas), concurrency: 1, tuning });
        assert.equal(ok.retries, 1);
        assert.ok(Date.now() - t0 >= 1000, 'waited for Retry-After');
        ({ sas } = await storage.diskBlob(`disk-${n++}`, blobSize));
        proxy.requests.length = 0;
        proxy.fault = (r) => (r.method === 'PUT' ? { status: 403, code: 'AuthorizationPermissionMismatch' } : undefined);
        await assert.rejects(uploadImage({ imagePath: raw, url: proxy.url(sas), concurrency: 1, tuning }), (e: unknown) => e instanceof TransferError && e.code === 'Forbidden');
        assert.equal(proxy.requests.filter((r) => r.method === 'PUT').length, 1, 'one attempt only');
        proxy.fault = undefined;
    });

    it('asks for a fresh SAS when the grant expired (403 AuthenticationFailed), and goes on', async () => {
        const { client, sas } = await storage.diskBlob(`disk-${n++}`, 41 * MiB + 512);
        proxy.requests.length = 0;
        let puts = 0, asked = 0;
        proxy.fault = (r) => (r.method === 'PUT' && puts++ === 0 ? { status: 403, code: 'AuthenticationFailed' } : undefined);
        const r = await uploadImage({ imagePath: raw, url: proxy.url(sas), concurrency: 1, tuning, refreshUrl: async () => { asked++; return proxy.url(sas); } });
        proxy.fault = undefined;
        assert.equal(asked, 1);
        assert.ok(r.checks.every((c) => c.passed));
        const back = await readBlob(client, 41 * MiB + 512);
        assert.ok(back.data.subarray(0, 41 * MiB).equals(oracleData(raw, tmp.dir)));
        // Without a way to re-grant it stops with SasExpired.
        const other = await storage.diskBlob(`disk-${n++}`, 41 * MiB + 512);
        proxy.fault = (q) => (q.method === 'PUT' ? { status: 403, code: 'AuthenticationFailed' } : undefined);
        await assert.rejects(uploadImage({ imagePath: raw, url: proxy.url(other.sas), concurrency: 1, tuning }), (e: unknown) => e instanceof TransferError && e.code === 'SasExpired');
        proxy.fault = undefined;
    });

    it('cancel mid-upload, then resume: at most one chunk per connection is sent again', async () => {
        const dense = path.join(tmp.dir, 'dense.img');
        sh('truncate', ['-s', '24M', dense]);
        dd(dense, '/dev/urandom', MiB, 0, 24);
        const expected = oracleData(dense, tmp.dir);
        const blobSize = expected.length + 512;
        const { client, sas } = await storage.diskBlob(`disk-${n++}`, blobSize);
        const journalPath = path.join(tmp.dir, 'dense.upload.journal');
        const connections = 3;
        const ac = new AbortController();
        proxy.requests.length = 0;
        proxy.onRequest = (r) => {
            if (r.method === 'PUT' && proxy.requests.filter((x) => x.method === 'PUT').length === 10) ac.abort();
        };
        const events: UploadProgress[] = [];
        await assert.rejects(
            uploadImage({ imagePath: dense, url: proxy.url(sas), journalPath, chunkSize: MiB, concurrency: connections, signal: ac.signal, onProgress: (p) => events.push(p), tuning }),
            (e: unknown) => e instanceof TransferError && e.code === 'Cancelled',
        );
        proxy.onRequest = undefined;
        const first = new Set(proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.range));
        const j = fs.readFileSync(journalPath, 'utf8');
        assert.ok(!/sig=|\?/.test(j), 'the journal holds no SAS');
        assert.ok(j.includes(path.basename(dense)), 'the journal names the image');

        // Another image, or another blob: refused, nothing sent.
        proxy.requests.length = 0;
        const other = path.join(tmp.dir, 'dense-copy.img');
        fs.copyFileSync(dense, other);
        await assert.rejects(uploadImage({ imagePath: other, url: proxy.url(sas), journalPath, chunkSize: MiB, tuning }), (e: unknown) => e instanceof TransferError && e.code === 'BlobChanged' && /different image/.test(e.message));
        await assert.rejects(uploadImage({ imagePath: dense, url: proxy.url(sas), journalPath, resumeKey: 'another-disk', chunkSize: MiB, tuning }), (e: unknown) => e instanceof TransferError && e.code === 'BlobChanged' && /different blob/.test(e.message));
        assert.equal(proxy.requests.filter((r) => r.method === 'PUT').length, 0);

        proxy.requests.length = 0;
        const sockets = proxy.connections;
        const r = await uploadImage({ imagePath: dense, url: proxy.url(sas), journalPath, chunkSize: MiB, concurrency: connections, tuning });
        onlyPutPage(proxy);
        // N keep-alive connections for Put Page, plus the few for properties, listing and the footer read-back.
        assert.ok(proxy.connections - sockets <= connections + 3, `${proxy.connections - sockets} connections for ${proxy.requests.length} requests`);
        const again = proxy.requests.filter((x) => x.method === 'PUT' && first.has(x.range));
        assert.ok(again.length <= connections, `${again.length} chunks sent again`);
        assert.ok(r.bytesResumed >= (first.size - connections) * MiB, `resumed ${r.bytesResumed}`);
        assert.ok(r.checks.every((c) => c.passed));
        assert.ok(!fs.existsSync(journalPath), 'journal removed after a verified upload');
        const back = await readBlob(client, blobSize);
        assert.ok(back.data.subarray(0, expected.length).equals(expected));
        assert.ok(events.length >= 1 && events.every((e) => e.totalSize === blobSize));
    });
});
