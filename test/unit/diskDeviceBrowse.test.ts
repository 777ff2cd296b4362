/**
 * The browse command line (out/test/bench/browse.js) on local images: `ls`, `cat` and `stat`
 * against the trees the fixtures were made from, volumes addressed by partition number and by the
 * dm name of a logical volume, and the closing line of request counts on stderr.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from './diskTree';
import { EFI_FILES, XFS_FILES, convert, gptFixture, gptLvmXfsFixture } from './diskVolumesKit';

const CLI = path.join(__dirname, '..', 'bench', 'browse.js');

interface Run {
    status: number | null;
    stdout: Buffer;
    lines: Record<string, unknown>[];
    stderr: string;
    stats: { bytesFetched: number; requests: number };
}

function browse(...args: string[]): Run {
    const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    const stderr = r.stderr.toString();
    const last = stderr.trim().split('\n').pop() ?? '';
    const stats = JSON.parse(last) as Run['stats'];
    const text = r.stdout.toString();
    const lines = args[1] === 'cat' ? [] : text.split('\n').filter((l) => l).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { status: r.status, stdout: r.stdout, lines, stderr, stats };
}

describe('browse command line', () => {
    let fx: ReturnType<typeof gptFixture>;
    let work: string;
    before(() => {
        fx = gptFixture();
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-browse-'));
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it('lists the volumes, a root and a folder, one JSON line per entry', () => {
        const vols = browse(fx.image, 'ls', '/');
        assert.equal(vols.status, 0, vols.stderr);
        assert.deepEqual(vols.lines.map((l) => [l.name, l.type, l.title]), [
            ['1', 'dir', '1 EFI System (FAT32, 100 MiB)'],
            ['2', 'dir', '2 Linux root (x86-64) (ext4, 48 MiB)'],
            ['3', 'dir', '3 swap (swap, 8 MiB)'],
        ]);
        const root = browse(fx.image, 'ls', '/2');
        assert.equal(root.status, 0, root.stderr);
        const top = fx.manifest.filter((m) => !m.path.includes('/'));
        assert.deepEqual(root.lines.filter((l) => l.name !== 'lost+found').map((l) => [l.name, l.type, l.type === 'dir' ? 0 : l.size]).sort(),
            top.map((m) => [m.path, m.type, m.type === 'dir' ? 0 : m.size]).sort());
        assert.ok(root.stats.requests > 0 && root.stats.requests <= 20, `${root.stats.requests} requests`);
        assert.ok(root.stats.bytesFetched <= 2 * 1024 * 1024, `${root.stats.bytesFetched} bytes`);
        const data = browse(fx.image, 'ls', '/2/data/');
        assert.deepEqual(data.lines.map((l) => [l.name, l.type, l.size]).sort(),
            fx.manifest.filter((m) => /^data\/[^/]+$/.test(m.path)).map((m) => [m.path.slice(5), m.type, m.size]).sort());
    });

    it('writes a file\'s bytes with cat, from a partition and from a qcow2 image of the disk', () => {
        const one = browse(fx.image, 'cat', '/2/data/one-mib.bin');
        assert.equal(one.status, 0, one.stderr);
        assert.equal(sha256(one.stdout), fx.manifest.find((m) => m.path === 'data/one-mib.bin')!.sha256);
        assert.ok(one.stats.bytesFetched < 1.5 * 1024 * 1024 + 512 * 1024, `${one.stats.bytesFetched} bytes`);
        const efi = browse(fx.image, 'cat', '/1/EFI/BOOT/BOOTX64.EFI');
        assert.equal(sha256(efi.stdout), sha256(EFI_FILES['EFI/BOOT/BOOTX64.EFI']));
        const qcow = convert(fx.image, path.join(work, 'disk.qcow2'), 'qcow2');
        const name = 'Ünïcødé ファイル.txt';
        const uni = browse(qcow, 'cat', `/2/${name}`);
        assert.equal(uni.status, 0, uni.stderr);
        assert.equal(sha256(uni.stdout), fx.manifest.find((m) => m.path === name)!.sha256);
    });

    it('prints one stat line, links with their target', () => {
        const link = browse(fx.image, 'stat', '/2/link-to-hello');
        assert.equal(link.status, 0, link.stderr);
        assert.equal(link.lines.length, 1);
        assert.deepEqual([link.lines[0].name, link.lines[0].type, link.lines[0].target, link.lines[0].volume, link.lines[0].fsType], ['link-to-hello', 'symlink', 'hello.txt', '2', 'ext4']);
        const file = browse(fx.image, 'stat', '/2/data/odd-size.bin').lines[0];
        assert.deepEqual([file.type, file.size, file.mtimeMs], ['file', 700_001, 1714979290 * 1000]);
    });

    it('addresses a logical volume as /<vg>-<lv>', () => {
        const img = gptLvmXfsFixture();
        const vols = browse(img, 'ls', '/');
        assert.deepEqual(vols.lines.map((l) => l.name), ['1', 'rootvg-rootlv', 'rootvg-home--lv']);
        const host = browse(img, 'cat', '/rootvg-home--lv/etc/hostname');
        assert.equal(host.stdout.toString(), 'volume\n');
        const xfs = browse(img, 'cat', '/rootvg-rootlv/data/random.bin');
        assert.equal(sha256(xfs.stdout), sha256(XFS_FILES['data/random.bin']));
    });

    it('fails with a message and the closing line when a path does not exist or a name differs in case', () => {
        for (const [p, words] of [['/9', /no volume 9/], ['/2/nope', /no nope in \/2/], ['/2/HELLO.TXT', /no HELLO.TXT/], ['/3/x', /volume 3 cannot be browsed: swap/]] as const) {
            const r = browse(fx.image, 'ls', p);
            assert.equal(r.status, 1, p);
            assert.match(r.stderr, words);
            assert.equal(typeof r.stats.requests, 'number');
        }
        const usage = spawnSync(process.execPath, [CLI, fx.image, 'rm', '/'], { encoding: 'utf8' });
        assert.equal(usage.status, 2);
        assert.match(usage.stderr, /usage/);
    });
});
