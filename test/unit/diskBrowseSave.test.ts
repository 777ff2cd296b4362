/**
 * Save out against hostile input (an in-memory reader): every write stays inside the chosen folder
 * (checked by listing a fresh temporary tree around it), links are saved as links and never
 * followed, renames are listed, a cancel leaves no file under its final name, holes stay holes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrowseError, BrowseTree, saveTo } from '../../src/disk/browse';
import { childPath } from '../../src/disk/browse/local';
import { FakeFs, listTree } from './diskBrowseKit';

/** base/ holds only out/ (the chosen folder) and a sibling that must stay untouched. */
function sandboxDirs(t: { after(fn: () => void): void }): { base: string; out: string } {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-browse-save-'));
    t.after(() => fs.rmSync(base, { recursive: true, force: true }));
    const out = path.join(base, 'out');
    fs.mkdirSync(out);
    fs.mkdirSync(path.join(base, 'sibling'));
    return { base, out };
}

function hostileTree(): BrowseTree {
    const fsr = new FakeFs({
        children: {
            top: {
                children: {
                    'a/b': { data: 'slash' },
                    '..': { data: 'dotdot' },
                    '.': { data: 'dot' },
                    'nul\0x': { data: 'nul' },
                    'esc\u001b[2J': { data: 'ctl' },
                    ['L'.repeat(400) + '.txt']: { data: 'long' },
                    CON: { data: 'con' },
                    passwd: { target: '/etc/passwd' },
                    up: { target: '../../x' },
                    sub: { children: { '../../../escape': { data: 'deep' } } },
                },
            },
        },
    });
    return new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: fsr }]);
}

test('hostile names are saved inside the chosen folder only, each rename listed', async (t) => {
    const { base, out } = sandboxDirs(t);
    const r = await saveTo(hostileTree(), '/v/top', out, { platform: 'linux' });
    const all = listTree(base);
    assert.ok(all.every((p) => p.startsWith('out/') || p === 'sibling/'), `written outside out/: ${all.filter((p) => !p.startsWith('out/')).join(', ')}`);
    assert.ok(!fs.existsSync(path.join(base, 'x')) && !fs.existsSync(path.join(os.tmpdir(), 'x-never')));
    const names = fs.readdirSync(path.join(out, 'top')).sort();
    assert.ok(names.includes('a%2Fb') && names.includes('%2E%2E') && names.includes('%2E') && names.includes('nul%00x') && names.includes('%43ON'), names.join(' | '));
    assert.equal(fs.readFileSync(path.join(out, 'top', '%2E%2E'), 'utf8'), 'dotdot');
    assert.equal(fs.readdirSync(path.join(out, 'top', 'sub')).length, 1);
    assert.equal(fs.readFileSync(path.join(out, 'top', 'sub', '..%2F..%2F..%2Fescape'), 'utf8'), 'deep');
    const long = names.find((n) => n.startsWith('LLL'))!;
    assert.ok(Buffer.byteLength(long) <= 255 && long.endsWith('.txt'), long);
    const renamed = new Map(r.renamed.map((x) => [x.rawName, x.savedAs]));
    assert.equal(renamed.get('a/b'), 'top/a%2Fb');
    assert.equal(renamed.get('nul\0x'), 'top/nul%00x');
    assert.equal(renamed.get('L'.repeat(400) + '.txt'), `top/${long}`);
    assert.equal(renamed.has('passwd'), false, 'an unchanged name is not listed');
    assert.equal(r.renamed.length, 8);
    assert.equal(r.files, 8);
    assert.equal(r.links, 2);
    assert.equal(r.saved, path.join(fs.realpathSync(out), 'top'));
});

test('symlinks are saved as links with their stored target, never followed; skipped on Windows', async (t) => {
    const { out } = sandboxDirs(t);
    await saveTo(hostileTree(), '/v/top', out, { platform: 'linux' });
    const link = path.join(out, 'top', 'passwd');
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.equal(fs.readlinkSync(link), '/etc/passwd');
    assert.equal(fs.readlinkSync(path.join(out, 'top', 'up')), '../../x');
    assert.ok(!fs.existsSync(path.resolve(out, 'top', '../../x')), 'the link target was not created');

    const { out: out2 } = sandboxDirs(t);
    const r = await saveTo(hostileTree(), '/v/top', out2, { platform: 'win32' });
    assert.deepEqual(r.skipped.map((s) => [s.path, s.reason]).sort(), [['/v/top/passwd', 'symlinkOnWindows'], ['/v/top/up', 'symlinkOnWindows']]);
    assert.ok(!fs.existsSync(path.join(out2, 'top', 'passwd')));
});

test('a folder inside itself is saved once, the loop skipped and listed', async (t) => {
    const { out } = sandboxDirs(t);
    const fsr = new FakeFs({ children: { a: { children: { f: { data: 'x' } } } } });
    const a = [...fsr.nodes.values()].find((n) => n.node.name === 'a')!;
    a.childNames.push('again');
    a.children.push(a.node.id);
    const tree = new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: fsr }]);
    const r = await saveTo(tree, '/v/a', out);
    assert.deepEqual(r.skipped.map((s) => [s.path, s.reason]), [['/v/a/again', 'loop']]);
    assert.deepEqual(listTree(out), ['a/', 'a/again/', 'a/f']);
});

test('nothing existing is overwritten: a taken name gets a number, and the rename is listed', async (t) => {
    const { out } = sandboxDirs(t);
    fs.writeFileSync(path.join(out, 'f.txt'), 'mine');
    const tree = new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: new FakeFs({ children: { 'f.txt': { data: 'disk' } } }) }]);
    const r = await saveTo(tree, '/v/f.txt', out);
    assert.equal(fs.readFileSync(path.join(out, 'f.txt'), 'utf8'), 'mine');
    assert.equal(fs.readFileSync(path.join(out, 'f (2).txt'), 'utf8'), 'disk');
    assert.deepEqual(r.renamed, [{ path: '/v/f.txt', rawName: 'f.txt', savedAs: 'f (2).txt' }]);
});

test('a symlinked parent, a name with a separator or .. and a folder outside are refused', async (t) => {
    const { base, out } = sandboxDirs(t);
    const root = fs.realpathSync(out);
    fs.symlinkSync(path.join(base, 'sibling'), path.join(out, 'via-link'));
    const unsafe = (p: Promise<unknown>) => assert.rejects(p, (e: unknown) => e instanceof BrowseError && e.code === 'Unsafe');
    await unsafe(childPath(root, path.join(root, 'via-link'), 'x'));
    // A link that stays inside the chosen folder is refused too, as the parent and above it.
    fs.mkdirSync(path.join(out, 'real', 'sub'), { recursive: true });
    fs.symlinkSync(path.join(out, 'real'), path.join(out, 'inner-link'));
    await unsafe(childPath(root, path.join(root, 'inner-link'), 'x'));
    await unsafe(childPath(root, path.join(root, 'inner-link', 'sub'), 'x'));
    await unsafe(childPath(root, root, '../x'));
    await unsafe(childPath(root, root, '..'));
    await unsafe(childPath(root, root, '/etc/passwd'));
    await unsafe(childPath(root, root, 'a\\b'));
    await unsafe(childPath(root, path.join(base, 'sibling'), 'x'));
    assert.equal(await childPath(root, root, 'ok'), path.join(root, 'ok'));
    assert.deepEqual(fs.readdirSync(path.join(base, 'sibling')), []);
});

test('cancel stops at once and leaves no file under its final name, nor a temporary one', async (t) => {
    const { out } = sandboxDirs(t);
    const fsr = new FakeFs({ children: { done: { data: 'small' }, big: { data: Buffer.alloc(40 * 1024 * 1024, 1) }, after: { data: 'never' } } });
    const tree = new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: fsr }]);
    const abort = new AbortController();
    let readsAtCancel = 0;
    const p = saveTo(tree, '/v', out, {
        signal: abort.signal,
        onProgress: (pr) => {
            if (pr.current === '/v/big' && !abort.signal.aborted) {
                abort.abort();
                readsAtCancel = fsr.reads;
            }
        },
    });
    await assert.rejects(p, (e: unknown) => e instanceof BrowseError && e.code === 'Cancelled');
    assert.equal(fsr.reads, readsAtCancel, 'no read after the cancel');
    assert.deepEqual(listTree(out), ['v/', 'v/done']);
});

test('holes are not written, sizes and timestamps are kept', async (t) => {
    const { out } = sandboxDirs(t);
    const size = 32 * 1024 * 1024;
    const data = Buffer.alloc(size);
    data.fill(9, 0, 4096);
    data.fill(8, size - 10, size);
    const mtimeMs = Date.UTC(2020, 1, 2, 3, 4, 5);
    const fsr = new FakeFs({ children: { d: { mtimeMs, children: { sparse: { data, mtimeMs } } } } });
    const tree = new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: fsr }]);
    const r = await saveTo(tree, '/v/d', out);
    const f = path.join(out, 'd', 'sparse');
    const st = fs.statSync(f);
    assert.equal(st.size, size);
    assert.ok(st.blocks * 512 < 1024 * 1024, `${st.blocks * 512} bytes allocated for 8 KiB of data`);
    assert.ok(fs.readFileSync(f).equals(data));
    assert.equal(st.mtimeMs, mtimeMs);
    assert.equal(fs.statSync(path.join(out, 'd')).mtimeMs, mtimeMs, 'a folder keeps its time after its files are written');
    assert.equal(r.bytes, size);
});
