/**
 * A volume that cannot be read as files is still the user's data: its folder holds its raw bytes as
 * one image file (and, where there is a reason, a note saying why), which reads and saves like any
 * file. On the GPT fixture made by sgdisk, mkfs.vfat, mkfs.ext4 and mkswap, the swap partition is
 * such a volume; the bytes are compared with the partition's bytes in the image file.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrowseTree, RAW_NOTE_NAME, saveTo } from '../../src/disk/browse';
import { memoryDevice } from '../../src/disk/types';
import { openVolumes } from '../../src/disk/volumes';
import { fileDevice } from './diskKit';
import { sha256 } from './diskTree';
import { gptFixture } from './diskVolumesKit';

test('an unreadable volume shows its bytes as one image file and a note saying why', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024);
    bytes.set(Buffer.from('LUKS\xba\xbe', 'latin1'), 0);
    bytes.fill(7, 1024 * 1024, 1024 * 1024 + 4096);
    const tree = new BrowseTree([{ id: '3', name: '3 Linux LUKS (LUKS, 3 MiB)', size: bytes.length, typeName: 'LUKS', note: 'LUKS-encrypted: not read', device: memoryDevice(bytes) }]);
    const names = (await tree.readDirectory('/3 Linux LUKS (LUKS, 3 MiB)')).map((e) => [e.name, e.type, e.size]);
    assert.deepEqual(names.sort(), [['partition-3.img', 'file', bytes.length], [RAW_NOTE_NAME, 'file', names.find((n) => n[0] === RAW_NOTE_NAME)![2]]].sort());
    assert.deepEqual(await tree.readFile('/3 Linux LUKS (LUKS, 3 MiB)/partition-3.img'), bytes);
    const note = new TextDecoder().decode(await tree.readFile(`/3 Linux LUKS (LUKS, 3 MiB)/${RAW_NOTE_NAME}`));
    assert.match(note, /LUKS-encrypted: not read/);
    assert.match(note, /partition-3\.img holds the volume's bytes/);
});

test('the swap partition of a real GPT disk saves as a raw image equal to the partition\'s bytes, holes left as holes', async () => {
    const fx = gptFixture();
    const dev = fileDevice(fx.image);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-raw-'));
    try {
        const volumes = await openVolumes(dev);
        const swap = volumes.find((v) => v.id === '3');
        assert.ok(swap && !swap.fs, `partition 3 is swap, named not read (${volumes.map((v) => v.name).join(' | ')})`);
        const tree = new BrowseTree(volumes);
        const folder = `/${(await tree.readDirectory('/')).find((e) => e.rawName === swap.name)!.name}`;
        const r = await saveTo(tree, `${folder}/partition-3.img`, out, { platform: 'linux' });
        assert.equal(r.files, 1);
        const saved = path.join(out, 'partition-3.img');
        const expected = fs.readFileSync(fx.image).subarray(fx.starts[3], fx.starts[3] + swap.size);
        assert.equal(fs.statSync(saved).size, swap.size);
        assert.equal(sha256(fs.readFileSync(saved)), sha256(expected), 'the saved image is the partition, byte for byte');
        assert.ok(fs.statSync(saved).blocks * 512 < swap.size / 2, 'its zero pieces were not written');
    } finally {
        dev.close();
        fs.rmSync(out, { recursive: true, force: true });
    }
});
