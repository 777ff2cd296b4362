/**
 * Bad input on the way to a file name: the service picks blob names (they may hold `../` or look
 * absolute), users pick disk names with odd characters. Files stay inside the download folder.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { blobsToDownload } from '../../src/shared/grants';
import { planFiles } from '../../src/features/download/plan';

const folder = path.resolve('/ws/disks/d');

function inside(p: string): boolean {
    const rel = path.relative(folder, p);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.includes(path.sep);
}

test('blob names with ../ or absolute paths in the SAS URLs never reach the file names', () => {
    // File names come from the disk name and the blob kind only: what blobsToDownload hands on is
    // the kinds, and hostile URLs plan exactly the same files as plain ones.
    const plain = { disk: 'https://md-x.blob.core.windows.net/c/abcd?sv=1&sig=abc', vmgs: 'https://md-x.blob.core.windows.net/c/abcd_vmgs?sv=1&sig=def', vmmd: 'https://md-x.blob.core.windows.net/c/abcd_vmmd?sv=1&sig=ghi' };
    const urls = {
        disk: 'https://md-x.blob.core.windows.net/c/..%2F..%2F..%2Fetc%2Fpasswd?sv=1&sig=abc',
        vmgs: 'https://md-x.blob.core.windows.net/c//etc/shadow?sv=1&sig=def',
        vmmd: 'https://md-x.blob.core.windows.net/c/C:%5CWindows%5Cwin.ini?sv=1&sig=ghi',
    };
    assert.deepEqual(blobsToDownload(urls), ['disk', 'vmgs', 'vmmd']);
    const files = planFiles(folder, 'd', 'VHD', blobsToDownload(urls));
    assert.deepEqual(files, planFiles(folder, 'd', 'VHD', blobsToDownload(plain)));
    assert.deepEqual(files.map((f) => f.fileName), ['d.vhd', 'd_vmgs.vhd', 'd_vmmd.vhd']);
    for (const f of files) {
        assert.ok(inside(f.destPath), f.destPath);
        assert.ok(!/passwd|shadow|win\.ini|sig=/.test(f.destPath), f.destPath);
    }
});

test('disk names with odd characters give one file in the download folder', () => {
    for (const name of ['../../etc/passwd', '/abs/name', 'C:\\Windows\\x', 'data_disk.v2-(old)', '..', 'con', 'a\u0000b', ' spaced. ']) {
        for (const f of planFiles(folder, name, 'VHDX', ['disk', 'vmgs', 'vmmd'])) {
            assert.ok(inside(f.destPath), `${JSON.stringify(name)} → ${f.destPath}`);
            assert.match(f.fileName, /\.vhdx?$/);
        }
    }
    assert.equal(planFiles(folder, 'data_disk.v2-(old)', 'VHD', ['disk'])[0].fileName, 'data_disk.v2-(old).vhd');
});
