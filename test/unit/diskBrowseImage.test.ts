/**
 * Browse and save over real images, made by mkfs.ext4 -d and mkfs.vfat + mcopy from the generated
 * tree: what is saved is compared, every path, type, size, link target, mtime and sha256, with the
 * tree's manifest; reads are counted.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrowseTree, saveTo, type BrowseVolume } from '../../src/disk/browse';
import { openExt } from '../../src/disk/ext4';
import { openFat } from '../../src/disk/fat';
import { cachedImage, fileDevice, sh, type CountingDevice } from './diskKit';
import { MINI_TREE, treeManifest as extManifest } from './diskExt4Kit';
import { fat12Image } from './diskFatKit';
import { makeTree, manifest, sha256, type ManifestEntry } from './diskTree';

const EXT = '1 Linux filesystem (ext4, 32 MiB)';
const EXT_PATH = `/${EXT}`;
const FAT = '2 EFI System (FAT12, 4 MiB)';
const LOCKED = '3 Microsoft basic data (BitLocker)';

/** ext4 of the generated tree with 100 entries in many/ (a save writes every file: kept small). */
function ext4Image(): string {
    return cachedImage('browse-ext4', 'v1 mkfs.ext4 -b 4096 32M many=100', (out, work) => {
        makeTree(path.join(work, 't'), MINI_TREE);
        sh('truncate', ['-s', '32M', out]);
        sh('mkfs.ext4', ['-q', '-F', '-b', '4096', '-d', path.join(work, 't'), out]);
    });
}

interface Fixture {
    vols: BrowseVolume[];
    ext: CountingDevice;
    fatTree: ManifestEntry[];
}

async function volumes(t: { after(fn: () => void): void }, work: string): Promise<Fixture> {
    const ext = fileDevice(ext4Image());
    const fat12 = fat12Image(work);
    const fat = fileDevice(fat12.img);
    t.after(() => {
        ext.close();
        fat.close();
    });
    const vols: BrowseVolume[] = [
        { id: '1', name: EXT, size: ext.size, typeName: 'Linux filesystem', fsType: 'ext4', fs: await openExt(ext) },
        { id: '2', name: FAT, size: fat.size, typeName: 'EFI System', fsType: 'FAT12', fs: await openFat(fat) },
        { id: '3', name: LOCKED, size: 1, typeName: 'Microsoft basic data', note: 'BitLocker' },
    ];
    return { vols, ext, fatTree: fat12.tree };
}

function tempDir(t: { after(fn: () => void): void }): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-browse-img-'));
    t.after(() => fs.rmSync(d, { recursive: true, force: true }));
    return d;
}

/** The saved tree against the generated one: every path, type, size, link target, sha256; files' and folders' mtimes. */
function assertSame(saved: ManifestEntry[], want: ManifestEntry[], mtimeSlack: number): void {
    const line = (e: ManifestEntry) => `${e.path} ${e.type} ${e.type === 'dir' ? 0 : e.size} ${e.sha256 ?? ''} ${e.target ?? ''}`;
    assert.deepEqual(saved.map(line), want.map(line));
    const byPath = new Map(saved.map((e) => [e.path, e]));
    for (const e of want) {
        if (e.type !== 'symlink') assert.ok(Math.abs(byPath.get(e.path)!.mtime - e.mtime) <= mtimeSlack, `${e.path}: mtime ${byPath.get(e.path)!.mtime} vs ${e.mtime}`);
    }
}

test('the root lists one folder per volume in few reads; a file reads only its own blocks', async (t) => {
    const { vols, ext } = await volumes(t, tempDir(t));
    const tree = new BrowseTree(vols);
    const before = { reads: ext.reads, bytes: ext.bytesRead };
    assert.deepEqual((await tree.readDirectory('/')).map((e) => e.name), vols.map((v) => v.name));
    const top = await tree.readDirectory(EXT_PATH);
    assert.ok(top.some((e) => e.name === 'Ünïcødé ファイル.txt' && e.type === 'file'));
    assert.ok(ext.reads - before.reads <= 60 && ext.bytesRead - before.bytes <= 8 * 1024 * 1024, `${ext.reads - before.reads} reads, ${ext.bytesRead - before.bytes} bytes to list a volume's root`);
    const mid = ext.bytesRead;
    const one = await tree.readFile(`${EXT_PATH}/data/one-mib.bin`);
    assert.equal(sha256(one), extManifest(MINI_TREE).find((e) => e.path === 'data/one-mib.bin')!.sha256);
    assert.ok(ext.bytesRead - mid <= 1.5 * 1024 * 1024, `${ext.bytesRead - mid} bytes fetched for a 1 MiB file`);
    assert.equal(await tree.readlink(`${EXT_PATH}/var/log/up-two`), '../../etc/hostname');
});

test('saving an ext4 volume gives back the generated tree: links as links, holes as holes, times kept', async (t) => {
    const out = tempDir(t);
    const { vols } = await volumes(t, out);
    const tree = new BrowseTree(vols);
    const r = await saveTo(tree, EXT_PATH, out, { platform: 'linux' });
    const dir = path.join(out, EXT);
    assert.equal(r.saved, path.join(fs.realpathSync(out), EXT));
    assertSame(manifest(dir).filter((e) => e.path !== 'lost+found'), extManifest(MINI_TREE), 0);
    assert.deepEqual(r.renamed, []);
    assert.deepEqual(r.skipped, []);
    const sparse = fs.statSync(path.join(dir, 'sparse.bin'));
    assert.ok(sparse.blocks * 512 <= 512 * 1024, `sparse.bin takes ${sparse.blocks * 512} bytes for 128 KiB of data`);
    assert.equal(fs.readlinkSync(path.join(dir, 'var/log/up-two')), '../../etc/hostname');
});

test('saving the whole disk: each volume\'s tree again, the unreadable volume listed as skipped', async (t) => {
    const out = tempDir(t);
    const { vols, fatTree } = await volumes(t, path.join(out, 'work'));
    fs.mkdirSync(path.join(out, 'saved'));
    const r = await saveTo(new BrowseTree(vols), '/', path.join(out, 'saved'), { rootName: 'my disk' });
    assertSame(manifest(path.join(out, 'saved', 'my disk', FAT)), fatTree, 2);
    assertSame(manifest(path.join(out, 'saved', 'my disk', EXT)).filter((e) => e.path !== 'lost+found'), extManifest(MINI_TREE), 0);
    assert.deepEqual(fs.readdirSync(path.join(out, 'saved', 'my disk')).sort(), [EXT, FAT, LOCKED]);
    assert.deepEqual(r.skipped.map((s) => [s.path, s.reason]), [[`/${LOCKED}`, 'unreadable']]);
});
