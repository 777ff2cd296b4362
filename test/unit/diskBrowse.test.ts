/**
 * The browse tree over hostile names and structures (an in-memory reader): safe names and the way
 * back, path resolution, a folder inside itself, the depth and cache bounds, whole and ranged reads.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BrowseError, BrowseTree, decodeName, fitLocalName, safeName } from '../../src/disk/browse';
import { FakeFs } from './diskBrowseKit';

const HOSTILE = ['a/b', '..', '.', 'nul\0byte', 'ctl\u0001\u001b[31m', 'back\\slash', 'CON', 'aux.txt', 'com1.log', 'trail.', 'trail ', '%41', '100%', 'a%2Fb', 'x'.repeat(300), 'é\u0301', '\ud800lone', 'ok name.txt', 'q?*<>|":'];

function isSafe(s: string): boolean {
    // eslint-disable-next-line no-control-regex
    return !/[\u0000-\u001f\u007f-\u009f/\\<>:"|?*]/.test(s) && s !== '.' && s !== '..' && !/[. ]$/.test(s) && !/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(s);
}

test('hostile names get a safe form that decodes back to the stored name', () => {
    for (const raw of HOSTILE) {
        const s = safeName(raw)!;
        assert.ok(isSafe(s), `${JSON.stringify(raw)} → ${JSON.stringify(s)}`);
        assert.equal(decodeName(s), raw, `round trip of ${JSON.stringify(raw)}`);
    }
    assert.equal(safeName('a/b'), 'a%2Fb');
    assert.equal(safeName('..'), '%2E%2E');
    assert.equal(safeName('nul\0byte'), 'nul%00byte');
    assert.equal(safeName('CON'), '%43ON');
    assert.equal(safeName('trail.'), 'trail%2E');
    assert.equal(safeName('100%'), '100%', 'a % that reads as no escape stays');
    assert.equal(safeName('%41'), '%2541');
    assert.equal(safeName('ok name.txt'), 'ok name.txt');
    assert.equal(safeName(''), undefined);
});

test('random names: safe, reversible and distinct', () => {
    const alphabet = ['a', 'B', '0', 'f', 'F', 'u', '%', '/', '\\', '.', ' ', '\0', '\u0007', '\u009b', ':', 'é', '\ud83d', '\ude00', 'C', 'O', 'N'];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const seen = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
        const len = 1 + Math.floor(rnd() * 8);
        let raw = '';
        for (let j = 0; j < len; j++) raw += alphabet[Math.floor(rnd() * alphabet.length)];
        const s = safeName(raw)!;
        assert.ok(isSafe(s), `${JSON.stringify(raw)} → ${JSON.stringify(s)}`);
        assert.equal(decodeName(s), raw);
        const other = seen.get(s);
        assert.ok(other === undefined || other === raw, `${JSON.stringify(raw)} and ${JSON.stringify(other)} share ${s}`);
        seen.set(s, raw);
    }
});

test('a name too long for a local file system keeps its start and extension and gains a hash', () => {
    const hash = (s: string) => require('node:crypto').createHash('sha256').update(s).digest('hex');
    const a = fitLocalName('é'.repeat(200) + '.txt', hash);
    const b = fitLocalName('é'.repeat(201) + '.txt', hash);
    assert.ok(Buffer.byteLength(a) <= 255 && Buffer.byteLength(b) <= 255);
    assert.ok(a.endsWith('.txt') && a.startsWith('éé'));
    assert.notEqual(a, b);
    assert.equal(fitLocalName('short.txt', hash), 'short.txt');
});

function hostileFs(): FakeFs {
    const children: Record<string, { data: string }> = {};
    for (const [i, raw] of HOSTILE.entries()) children[raw] = { data: `file ${i}` };
    return new FakeFs({ children: { odd: { children }, 'same/name': { data: 'a' }, 'same%2Fname': { data: 'b' } } });
}

test('listing shows safe names, each resolving to its own node; the volume folder too', async () => {
    const fsr = hostileFs();
    const tree = new BrowseTree([{ id: '1', name: '1 Linux/data (ext4)', size: 1, typeName: 'Linux', fs: fsr }]);
    const root = await tree.readDirectory('/');
    assert.deepEqual(root.map((e) => [e.name, e.rawName]), [['1 Linux%2Fdata (ext4)', '1 Linux/data (ext4)']]);
    const odd = await tree.readDirectory('/1 Linux%2Fdata (ext4)/odd');
    assert.equal(odd.length, HOSTILE.length);
    for (const e of odd) {
        assert.ok(isSafe(e.name), e.name);
        const content = Buffer.from(await tree.readFile(e.path)).toString();
        assert.equal(content, `file ${HOSTILE.indexOf(e.rawName)}`, `${e.path} reads the file stored as ${JSON.stringify(e.rawName)}`);
    }
    const top = await tree.readDirectory('/1 Linux%2Fdata (ext4)');
    assert.deepEqual(top.map((e) => e.name).sort(), ['odd', 'same%252Fname', 'same%2Fname']);
    assert.equal(Buffer.from(await tree.readFile('/1 Linux%2Fdata (ext4)/same%2Fname')).toString(), 'a');
    assert.equal(Buffer.from(await tree.readFile('/1 Linux%2Fdata (ext4)/same%252Fname')).toString(), 'b');
});

test('paths that do not exist, go through a file, or use . and .. are refused', async () => {
    const tree = new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: hostileFs() }]);
    const code = async (p: Promise<unknown>, c: string) => assert.rejects(p, (e: unknown) => e instanceof BrowseError && e.code === c);
    await code(tree.stat('/w'), 'NotFound');
    await code(tree.stat('/v/nope'), 'NotFound');
    await code(tree.stat('/v/odd/../odd'), 'NotFound');
    await code(tree.readDirectory('/v/same%2Fname'), 'NotADirectory');
    await code(tree.stat('/v/same%2Fname/x'), 'NotADirectory');
    await code(tree.readFile('/v/odd'), 'IsADirectory');
});

test('a folder listed inside itself is shown but never entered', async () => {
    const fsr = new FakeFs({ children: { a: { children: { b: { children: { c: { data: 'x' } } } } } } });
    // a/b/up is folder a again: a loop two levels up; a/self is the root.
    const a = [...fsr.nodes.values()].find((n) => n.node.name === 'a')!;
    a.childNames.push('self');
    a.children.push('1');
    const b = [...fsr.nodes.values()].find((n) => n.node.name === 'b')!;
    b.childNames.push('up');
    b.children.push(a.node.id);
    const tree = new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: fsr }]);
    assert.deepEqual((await tree.readDirectory('/v/a/b')).map((e) => e.name), ['c', 'up']);
    assert.equal((await tree.stat('/v/a/b/up')).type, 'dir');
    await assert.rejects(tree.readDirectory('/v/a/b/up'), (e: unknown) => e instanceof BrowseError && e.code === 'Loop' && /its own parent/.test(e.message));
    await assert.rejects(tree.readDirectory('/v/a/self'), (e: unknown) => e instanceof BrowseError && e.code === 'Loop');
    await assert.rejects(tree.stat('/v/a/b/up/b'), (e: unknown) => e instanceof BrowseError && e.code === 'Loop');
});

test('depth is bounded, and the listing cache keeps to its bound', async () => {
    let spec: { children: Record<string, unknown> } = { children: { leaf: { data: 'x' } } };
    for (let i = 0; i < 40; i++) spec = { children: { d: spec } };
    const fsr = new FakeFs(spec as never);
    const tree = new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: fsr }], { maxDepth: 20, maxCachedFolders: 5 });
    const deep = '/v' + '/d'.repeat(19);
    assert.equal((await tree.readDirectory(deep)).length, 1);
    assert.ok(tree.cacheStats().folders <= 5, `cache holds ${tree.cacheStats().folders} folders`);
    await assert.rejects(tree.readDirectory(deep + '/d'), (e: unknown) => e instanceof BrowseError && e.code === 'TooLarge');
    const before = fsr.lists;
    await tree.readDirectory(deep);
    assert.equal(fsr.lists, before, 'the most recent listings are served from the cache');
});

test('a volume without a file system is a folder that says why it cannot be opened', async () => {
    const tree = new BrowseTree([{ id: '3', name: '3 Microsoft basic data (BitLocker)', size: 1, typeName: 'Microsoft basic data', note: 'BitLocker' }]);
    assert.equal((await tree.stat('/3 Microsoft basic data (BitLocker)')).type, 'dir');
    await assert.rejects(tree.readDirectory('/3 Microsoft basic data (BitLocker)'), (e: unknown) => e instanceof BrowseError && e.code === 'Unreadable' && /BitLocker/.test(e.message));
});

test('reads: ranged, whole up to the bound, a link reads as its target, sparse stays zero', async () => {
    const data = Buffer.alloc(10 * 1024 * 1024, 7);
    const fsr = new FakeFs({ children: { big: { data }, link: { target: '/etc/passwd' }, sparse: { size: 6 * 1024 * 1024, data: 'head' } } });
    const tree = new BrowseTree([{ id: '1', name: 'v', size: 1, typeName: 't', fs: fsr }], { maxWholeFile: 8 * 1024 * 1024 });
    assert.deepEqual(Buffer.from(await tree.readFile('/v/big', 5, 3)), Buffer.from([7, 7, 7]));
    await assert.rejects(tree.readFile('/v/big'), (e: unknown) => e instanceof BrowseError && e.code === 'TooLarge');
    assert.equal((await tree.readFile('/v/big', 9 * 1024 * 1024)).length, 1024 * 1024, 'the rest of the file from an offset');
    assert.equal(Buffer.from(await tree.readFile('/v/link')).toString(), '/etc/passwd');
    assert.equal(await tree.readlink('/v/link'), '/etc/passwd');
    fsr.reads = 0;
    const sparse = await tree.readFile('/v/sparse');
    assert.equal(sparse.length, 6 * 1024 * 1024);
    assert.equal(fsr.reads, 2, 'read in 4 MiB pieces');
    assert.equal(Buffer.from(sparse.subarray(0, 4)).toString(), 'head');
});
