/**
 * Where an image holds data, per platform, with the command runner injected: Windows cannot be
 * run here, so `fsutil sparse queryrange` is exercised on its published output format (lines
 * "Allocated range[n]: Offset: 0x… Length: 0x…", as fsutil prints them for a sparse file), and
 * the decision logic (ask, understand, or read everything and say so) on the answers it can give.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { dataExtents, parseFilefrag, parseFsutilRanges, type RunCommand } from '../../src/formats/extents';
import { scratch } from './support';

const MiB = 1024 * 1024;
const tmp = scratch();

/** What fsutil prints for a sparse file with three allocated 64 KiB-cluster runs (one of them at 1 GiB). */
const SPARSE_OUT = [
    'Allocated range[1]: Offset: 0x0         Length: 0x10000',
    'Allocated range[2]: Offset: 0x20000     Length: 0x10000',
    'Allocated range[3]: Offset: 0x40000000  Length: 0x200000',
    '',
].join('\r\n');

function runner(answer: string | NodeJS.ErrnoException): { run: RunCommand; calls: string[][] } {
    const calls: string[][] = [];
    return {
        calls,
        run: async (cmd, args) => {
            calls.push([cmd, ...args]);
            if (typeof answer !== 'string') throw answer;
            return answer;
        },
    };
}

function hasFilefrag(): boolean {
    try {
        execFileSync('filefrag', ['-V'], { stdio: 'ignore' });
        return true;
    } catch {
        return false;
    }
}

const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('fsutil sparse queryrange parsing', () => {
    it('reads each line\'s offset and length (hexadecimal, CRLF lines)', () => {
        assert.deepEqual(parseFsutilRanges(SPARSE_OUT), [
            { start: 0, end: 0x10000 },
            { start: 0x20000, end: 0x30000 },
            { start: 0x40000000, end: 0x40200000 },
        ]);
    });
    it('reads only the numbers, so a translated Windows parses the same', () => {
        const de = 'Zugeordneter Bereich[1]: Offset: 0x0 Länge: 0x10000\nZugeordneter Bereich[2]: Offset: 0x30000 Länge: 0x8000\n';
        assert.deepEqual(parseFsutilRanges(de), [{ start: 0, end: 0x10000 }, { start: 0x30000, end: 0x38000 }]);
    });
    it('sorts and merges touching ranges; lines without numbers are ignored', () => {
        const out = 'header text\nAllocated range[2]: Offset: 0x10000 Length: 0x10000\nAllocated range[1]: Offset: 0x0 Length: 0x10000\n';
        assert.deepEqual(parseFsutilRanges(out), [{ start: 0, end: 0x20000 }]);
    });
    it('refuses lines it cannot account for (data must never turn into holes)', () => {
        assert.throws(() => parseFsutilRanges('Allocated range[1]: Offset: 0x0\n'), /not understood/);
        assert.throws(() => parseFsutilRanges('Allocated range[1]: Offset: 0x0 Length: 0x0\n'), /not understood/);
        assert.throws(() => parseFsutilRanges('Allocated range[1]: Offset: 0xfffffffffffffff0 Length: 0x100\n'), /not understood/);
    });
});

describe('data extents on Windows (command runner injected)', () => {
    it('a sparse file: its allocated ranges, clipped to the image, from one fsutil call', async () => {
        const { run, calls } = runner(SPARSE_OUT);
        const logs: string[] = [];
        const r = await dataExtents('C:\\img\\disk.raw', 0x40100000, (m) => logs.push(m), { platform: 'win32', run });
        assert.deepEqual(calls, [['fsutil', 'sparse', 'queryrange', 'C:\\img\\disk.raw']]);
        assert.deepEqual(r, [{ start: 0, end: 0x10000 }, { start: 0x20000, end: 0x30000 }, { start: 0x40000000, end: 0x40100000 }]);
        assert.deepEqual(logs, []);
    });
    it('a file not marked sparse (one range over all of it): read everything, and say why', async () => {
        const { run } = runner('Allocated range[1]: Offset: 0x0 Length: 0x40000000\r\n');
        const logs: string[] = [];
        assert.equal(await dataExtents('d.raw', 0x40000000, (m) => logs.push(m), { platform: 'win32', run }), undefined);
        assert.match(logs.join('\n'), /not a sparse file.*reading the whole image/);
    });
    it('fsutil missing, failing, silent or unreadable: read everything, and say why', async () => {
        const cases: [string | NodeJS.ErrnoException, RegExp][] = [
            [err('ENOENT'), /fsutil not found/],
            [Object.assign(new Error('Command failed: fsutil'), { code: 'EPERM' }), /could not list/],
            ['', /no allocated range/],
            ['Allocated range[1]: Offset: 0x0 Length: 0x10000 0x5\n', /not understood/],
        ];
        for (const [answer, why] of cases) {
            const logs: string[] = [];
            assert.equal(await dataExtents('d.raw', MiB, (m) => logs.push(m), { platform: 'win32', ...runner(answer) }), undefined, String(why));
            assert.match(logs.join('\n'), why);
            assert.match(logs.join('\n'), /reading the whole image and skipping zero pages/);
        }
    });
    it('other platforms ask nothing and say so', async () => {
        const { run, calls } = runner(SPARSE_OUT);
        const logs: string[] = [];
        assert.equal(await dataExtents('d.raw', MiB, (m) => logs.push(m), { platform: 'darwin', run }), undefined);
        assert.equal(calls.length, 0);
        assert.match(logs[0], /no data-extent query on this platform/);
    });
});

describe('data extents on Linux', () => {
    it('filefrag missing: read everything, and say to install e2fsprogs', async () => {
        const logs: string[] = [];
        assert.equal(await dataExtents('d.raw', MiB, (m) => logs.push(m), { platform: 'linux', ...runner(err('ENOENT')) }), undefined);
        assert.match(logs[0], /install e2fsprogs/);
    });
    it('counts fragments as filefrag does: real ext4 output where physically contiguous extents make fewer fragments than lines', () => {
        // filefrag 1.47.0 on ext4, an 8 GiB file with 61 scattered writes (64 KiB-aligned): "54 extents found".
        const out = fs.readFileSync(path.join(__dirname, '../../../test/unit/fixtures/filefrag-ext4-scattered.txt'), 'utf8');
        const r = parseFilefrag(out);
        assert.ok(r.length > 54, `${r.length} ranges`);
        assert.equal(r[0].start, 4784 * 4096);
        assert.equal(r[r.length - 1].end % 4096, 0);
        for (let i = 1; i < r.length; i++) assert.ok(r[i].start > r[i - 1].end, 'sorted, merged, apart');
    });
    it('a real file with scattered writes (delayed allocation packs them together): exactly the written ranges', { skip: process.platform !== 'linux' || !hasFilefrag() }, async () => {
        const f = path.join(tmp.dir, 'scattered.raw');
        const fd = fs.openSync(f, 'w');
        fs.ftruncateSync(fd, 64 * MiB);
        const written: { start: number; end: number }[] = [];
        for (let i = 0; i < 24; i++) {
            const at = i * 2 * MiB + 64 * 1024;
            fs.writeSync(fd, Buffer.alloc(64 * 1024, 0x5a), 0, 64 * 1024, at);
            written.push({ start: at, end: at + 64 * 1024 });
        }
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        const logs: string[] = [];
        assert.deepEqual(await dataExtents(f, 64 * MiB, (m) => logs.push(m)), written, logs.join('; '));
    });
});
