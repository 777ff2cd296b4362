/**
 * Damaged NTFS images: copies of the ntfs-3g fixture with one structure broken (found with ntfsinfo
 * as the oracle, patched with its update sequence kept valid unless the fixup is the damage). Each
 * ends in a DiskFormatError naming the structure, quickly; the same action on the undamaged copy
 * succeeds, so the error comes from the damage.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { DiskFormatError, FileSystemReader, FsNode, memoryDevice } from '../../src/disk/types';
import { isBitLocker, openNtfs, probeNtfs } from '../../src/disk/ntfs';
import { sh } from './diskKit';
import { findAttribute, ntfsImage, patchRecord, recordOf, recordOffset } from './diskNtfsKit';

async function child(f: FileSystemReader, dir: FsNode, name: string): Promise<FsNode> {
    const n = (await f.list(dir)).find((e) => e.name === name);
    assert.ok(n, name);
    return n;
}

describe('NTFS reader on damaged images', { timeout: 120_000 }, () => {
    let image = '';
    let orig: Buffer;

    before(() => {
        image = ntfsImage();
        orig = fs.readFileSync(image);
    });

    /** Runs `action` on the clean copy (it must succeed), then on the damaged one (it must fail so). */
    async function refuses(damage: (img: Buffer) => Buffer | void, action: (f: FileSystemReader) => Promise<unknown>, structure: RegExp, message: RegExp): Promise<void> {
        await action(await openNtfs(memoryDevice(orig)));
        const copy = Buffer.from(orig);
        const img = damage(copy) ?? copy;
        const started = Date.now();
        await assert.rejects(async () => action(await openNtfs(memoryDevice(img))), (e: unknown) => {
            assert.ok(e instanceof DiskFormatError, String(e));
            assert.match(e.structure, structure);
            assert.match(e.message, message);
            return true;
        });
        assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    }

    const listRoot = async (f: FileSystemReader) => f.list(await f.root());

    it('refuses an MFT cut short: its $DATA size leaves the files\' records outside it', async () => {
        const at = recordOffset(image, 0);
        await refuses((img) => patchRecord(img, at, 1024, (rec) => {
            const a = findAttribute(rec, 0x80);
            rec.writeBigUInt64LE(16n * 1024n, a + 0x30);
            rec.writeBigUInt64LE(16n * 1024n, a + 0x38);
        }), listRoot, /^NTFS MFT$/, /record \d+ lies beyond the MFT \(16 records\)/);
    });

    it('refuses a truncated image', async () => {
        await refuses((img) => img.subarray(0, 32 * 1024 * 1024), listRoot, /^NTFS boot sector$/, /truncated/);
    });

    it('refuses a record whose update sequence does not match (a torn write)', async () => {
        const n = recordOf(image, '/hello.txt');
        const at = recordOffset(image, n);
        await refuses((img) => { img[at + 510] ^= 0xff; }, listRoot, new RegExp(`^NTFS MFT record ${n}$`), /fixup mismatch in sector 0/);
    });

    it('refuses a runlist that points past the volume', async () => {
        const n = recordOf(image, '/data/one-mib.bin');
        const at = recordOffset(image, n);
        await refuses((img) => patchRecord(img, at, 1024, (rec) => {
            const a = findAttribute(rec, 0x80);
            const run = a + rec.readUInt16LE(a + 0x20);
            const lenSize = rec[run] & 0x0f, offSize = rec[run] >> 4;
            // The largest positive LCN the field can hold: far past the 16,383 clusters.
            for (let i = 0; i < offSize; i++) rec[run + 1 + lenSize + i] = i === offSize - 1 ? 0x7f : 0xff;
        }), async (f) => f.list(await child(f, await f.root(), 'data')), new RegExp(`^NTFS runlist of NTFS MFT record ${n} \\$DATA$`), /points outside the volume/);
    });

    it('refuses an index whose child VCN points back at its own block', async () => {
        const n = recordOf(image, '/many');
        await refuses((img) => {
            // A non-leaf INDX block of many/ (its keys are the fNNNNN.txt names).
            for (let at = 0; at < img.length; at += 4096) {
                if (img.toString('latin1', at, at + 4) !== 'INDX') continue;
                let done = false;
                patchRecord(img, at, 4096, (blk) => {
                    const end = 0x18 + blk.readUInt32LE(0x1c);
                    for (let e = 0x18 + blk.readUInt32LE(0x18); e < end && !done;) {
                        const len = blk.readUInt16LE(e + 8), flags = blk.readUInt16LE(e + 12);
                        const name = blk.toString('utf16le', e + 16 + 0x42, e + 16 + 0x42 + 20);
                        if ((flags & 1) && !(flags & 2) && /^f\d{5}\.txt$/.test(name)) {
                            blk.writeBigUInt64LE(blk.readBigUInt64LE(0x10), e + len - 8);
                            done = true;
                        }
                        if (flags & 2) break;
                        e += len;
                    }
                });
                if (done) return;
            }
            throw new Error('no non-leaf INDX block of many/ found');
        }, async (f) => f.list(await child(f, await f.root(), 'many')), new RegExp(`^NTFS index of MFT record ${n}$`), /already visited: the tree has a loop/);
    });

    it('refuses an extension record that does not belong to the file listing it', async () => {
        const base = recordOf(image, '/multi.txt');
        const ext = Number([...sh('ntfsinfo', ['-F', '/multi.txt', image]).matchAll(/from mft record (\d+)/g)].map((m) => m[1]).find((r) => Number(r) !== base));
        const at = recordOffset(image, ext);
        await refuses((img) => patchRecord(img, at, 1024, (rec) => rec.writeBigUInt64LE(BigInt(ext), 0x20)),
            listRoot, new RegExp(`^NTFS attribute list of MFT record ${base}$`), new RegExp(`extension record ${ext} names record ${ext} as its base`));
    });

    it('recognises a BitLocker boot sector and refuses to open it', async () => {
        const img = Buffer.from(orig.subarray(0, 1024 * 1024));
        img.write('-FVE-FS-', 3, 'latin1');
        assert.equal(isBitLocker(img.subarray(0, 512)), true);
        assert.equal(isBitLocker(orig.subarray(0, 512)), false);
        assert.equal(await probeNtfs(memoryDevice(img)), false);
        await assert.rejects(openNtfs(memoryDevice(img)), (e: unknown) => e instanceof DiskFormatError && e.structure === 'NTFS boot sector' && /BitLocker/.test(e.message));
    });
});
