/**
 * A journal resumes only the transfer it was written for. Each field of its identity is changed
 * alone here, and each change alone refuses the resume with a reason naming that field: for an
 * upload the image's path, size and modification time and the blob's key and size; for a
 * download (keyed per disk blob, as the extension downloads) the blob's key and size.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { downloadBlob, TransferError, uploadImage, type UploadOptions } from '../../src/transfer/index';
import { sparseModel } from '../bench/blobModel';
import { sha256File } from '../bench/fixtures';
import { startRangeServer } from '../bench/rangeServer';
import { fastTuning, scratch } from './support';

/** Every byte of the image read, as a file system without an extent query would have it: the same windows on every run. */
const upload = (o: UploadOptions) => uploadImage(o, { extentQuery: false });

const MiB = 1024 * 1024;
const tmp = scratch();
/** A whole second, so restoring it with utimes gives back the very same mtimeMs. */
const MTIME = 1_700_000_000;

function refusedFor(reason: RegExp): (e: unknown) => boolean {
    return (e: unknown) => {
        assert.ok(e instanceof TransferError, String(e));
        assert.equal(e.code, 'BlobChanged', e.message);
        assert.match(e.message, reason);
        return true;
    };
}

describe('upload journal identity', () => {
    /** A raw image of 20 MiB + 3 KiB (a 21 MiB + 512 byte blob), some data at its start, mtime MTIME. */
    function image(name: string): string {
        const file = path.join(tmp.dir, name);
        fs.writeFileSync(file, Buffer.alloc(64 * 1024, 0x5a));
        fs.truncateSync(file, 20 * MiB + 3 * 1024);
        fs.utimesSync(file, MTIME, MTIME);
        return file;
    }

    /** A blob endpoint of the image's upload size that refuses every write (a Put Page counts as a GET here). */
    const refusingServer = () => startRangeServer(sparseModel(21 * MiB, 0.1, 2), { fault: (i) => (i.kind === 'get' ? { status: 403, errorCode: 'AuthorizationPermissionMismatch' } : undefined) });

    function uploadOptions(name: string, url: string): UploadOptions {
        return { imagePath: image(`${name}.img`), url, journalPath: path.join(tmp.dir, `${name}.journal`), resumeKey: `/disks/${name}#disk`, chunkSize: MiB, concurrency: 1, tuning: { ...fastTuning, maxAttempts: 1 } };
    }

    const forbidden = (e: unknown) => e instanceof TransferError && e.code === 'Forbidden';

    /** A first run leaves a journal naming the image and the blob; `fn` then tries to resume from it. */
    async function withJournal(name: string, fn: (img: string, opts: UploadOptions) => Promise<void>): Promise<void> {
        const server = await refusingServer();
        try {
            const opts = uploadOptions(name, server.url);
            await assert.rejects(upload(opts), forbidden);
            assert.ok(fs.existsSync(opts.journalPath!), 'the first run left its journal');
            const writes = server.counts.get;
            await fn(opts.imagePath, opts);
            assert.equal(server.counts.get, writes, 'a refused resume sends nothing');
        } finally {
            await server.close();
        }
    }

    it('the same image into the same blob gets past the identity check (the control)', async () => {
        const server = await refusingServer();
        try {
            const opts = uploadOptions('same', server.url);
            for (let run = 0; run < 2; run++) await assert.rejects(upload(opts), forbidden);
            assert.equal(server.counts.get, 2, 'each run reached its first write');
        } finally {
            await server.close();
        }
    });

    it('an image edited in place (same path, same size, new mtime) is refused: it was modified', async () => {
        await withJournal('edited', async (img, opts) => {
            const fd = fs.openSync(img, 'r+');
            fs.writeSync(fd, Buffer.from('edited'), 0, 6, 4096);
            fs.closeSync(fd);
            fs.utimesSync(img, MTIME + 60, MTIME + 60);
            assert.equal(fs.statSync(img).size, 20 * MiB + 3 * 1024);
            await assert.rejects(upload(opts), refusedFor(/the image was modified since the upload started \(its modification time differs\)/));
        });
    });

    it('an image that grew (same path, same mtime, same blob size) is refused: its size changed', async () => {
        await withJournal('grown', async (img, opts) => {
            fs.truncateSync(img, 20 * MiB + 4 * 1024);
            fs.utimesSync(img, MTIME, MTIME);
            await assert.rejects(upload(opts), refusedFor(/the image's size changed since the upload started \(20974592 → 20975616 bytes\)/));
        });
    });

    it('another file with the same size and mtime is refused: a different image file', async () => {
        await withJournal('original', async (img, opts) => {
            const twin = path.join(tmp.dir, 'twin.img');
            fs.copyFileSync(img, twin);
            fs.utimesSync(twin, MTIME, MTIME);
            await assert.rejects(upload({ ...opts, imagePath: twin }), refusedFor(/the journal belongs to a different image file/));
        });
    });

    it('the same image into another blob is refused: a different blob', async () => {
        await withJournal('keyed', async (_img, opts) => {
            await assert.rejects(upload({ ...opts, resumeKey: '/disks/another#disk' }), refusedFor(/the journal belongs to a different blob/));
        });
    });

    it('a journal written for a blob of another size is refused: the blob size differs', async () => {
        await withJournal('sized', async (_img, opts) => {
            // Same image, same key: only the size the journal recorded differs (a blob made again at another size).
            const [header, ...rest] = fs.readFileSync(opts.journalPath!, 'utf8').split('\n');
            const saved = JSON.parse(header) as { size: number };
            assert.equal(saved.size, 21 * MiB + 512);
            fs.writeFileSync(opts.journalPath!, [JSON.stringify({ ...saved, size: 22 * MiB + 512 }), ...rest].join('\n'));
            await assert.rejects(upload(opts), refusedFor(/the blob size differs \(23069184 → 22020608 bytes\)/));
        });
    });
});

describe('download journal identity', () => {
    const model = sparseModel(8 * MiB, 0.5, 4, 44);

    /** A download cut short by a 404 after a few chunks: the partial and its journal stay. */
    async function partialDownload(dest: string, resumeKey: string): Promise<void> {
        const server = await startRangeServer(model, { fault: (i) => (i.kind === 'get' && i.n >= 2 ? { status: 404, errorCode: 'BlobNotFound' } : undefined) });
        try {
            await assert.rejects(downloadBlob({ url: server.url, destPath: dest, resumeKey, chunkSize: MiB, concurrency: 1, tuning: fastTuning }), (e: TransferError) => e.code === 'NotFound');
            assert.ok(fs.existsSync(`${dest}.partial`) && fs.existsSync(`${dest}.partial.journal`));
        } finally {
            await server.close();
        }
    }

    it('the same blob resumes (the control)', async () => {
        const dest = tmp.dest();
        await partialDownload(dest, '/disks/d#disk');
        const server = await startRangeServer(model);
        try {
            const r = await downloadBlob({ url: server.url, destPath: dest, resumeKey: '/disks/d#disk', chunkSize: MiB, concurrency: 1, tuning: fastTuning });
            assert.ok(r.bytesResumed > 0, `resumed ${r.bytesResumed}`);
            assert.equal(await sha256File(dest), model.sha256());
        } finally {
            await server.close();
        }
    });

    it('another blob of the same size is refused: a different blob', async () => {
        const dest = tmp.dest();
        await partialDownload(dest, '/disks/d#disk');
        const server = await startRangeServer(model);
        try {
            await assert.rejects(downloadBlob({ url: server.url, destPath: dest, resumeKey: '/disks/d#vmgs', chunkSize: MiB, tuning: fastTuning }), refusedFor(/the partial download belongs to a different blob/));
            assert.equal(server.counts.get, 0, 'nothing fetched');
            assert.ok(fs.existsSync(`${dest}.partial`), 'the partial is kept');
        } finally {
            await server.close();
        }
    });

    it('the same blob at another size is refused: the blob size changed', async () => {
        const dest = tmp.dest();
        await partialDownload(dest, '/disks/d#disk');
        const grown = sparseModel(9 * MiB, 0.5, 4, 44);
        const server = await startRangeServer(grown);
        try {
            await assert.rejects(downloadBlob({ url: server.url, destPath: dest, resumeKey: '/disks/d#disk', chunkSize: MiB, tuning: fastTuning }), refusedFor(/the blob size changed \(8389120 → 9437696 bytes\)/));
            assert.equal(server.counts.get, 0, 'nothing fetched');
        } finally {
            await server.close();
        }
    });
});
