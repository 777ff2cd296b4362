/**
 * The NTFS fixture, made by mkntfs and filled through ntfs-3g (FUSE) from the generated tree, with
 * what ntfs-3g adds on top: a compressed folder, alternate data streams, a file whose attributes
 * spill into an extension record ($ATTRIBUTE_LIST), a DOS short name, a Windows symlink and a
 * junction as reparse points, and a 50-entry folder to compare the 5,000-entry one with. Plus the
 * helpers the damage tests use to find and patch structures (fixup-aware).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { FileSystemReader, FsNode } from '../../src/disk/types';
import { ManifestEntry, bytes, makeTree } from './diskTree';
import { cachedImage, sh } from './diskKit';

const RECIPE = 'ntfs v3: mkntfs -F -Q -s 512 -c 4096 -L TestVol, 64 MiB; ntfs-3g -o compression; comp/, streams, multi.txt, dos name, win-link, junction, fifty/';

/** Compressible text for the compressed folder. */
export const TEXT = Buffer.from(Array.from({ length: 12000 }, (_, i) => `line ${i % 97} of a compressible text file\n`).join('').slice(0, 300000));
export const STREAM = 'stream payload';
/** A stream too big to stay in the MFT record. */
export const BIG_STREAM = bytes(40, 20000);
export const MULTI_STREAMS = Array.from({ length: 12 }, (_, i) => ({ name: `s${i + 1}`, data: bytes(100 + i, 150) }));
export const JUNCTION_PRINT = 'C:\\Target Dir';

const u16 = (s: string) => Buffer.from(s, 'utf16le');

/** REPARSE_DATA_BUFFER of a relative symbolic link ([MS-FSCC] 2.1.2.4). */
function symlinkReparse(target: string): Buffer {
    const s = u16(target);
    const data = Buffer.alloc(12 + 2 * s.length);
    data.writeUInt16LE(0, 0); data.writeUInt16LE(s.length, 2);
    data.writeUInt16LE(s.length, 4); data.writeUInt16LE(s.length, 6);
    data.writeUInt32LE(1, 8);
    s.copy(data, 12); s.copy(data, 12 + s.length);
    const h = Buffer.alloc(8); h.writeUInt32LE(0xa000000c, 0); h.writeUInt16LE(data.length, 4);
    return Buffer.concat([h, data]);
}

/** REPARSE_DATA_BUFFER of a junction ([MS-FSCC] 2.1.2.5), names NUL-terminated as Windows writes them. */
function junctionReparse(print: string): Buffer {
    const s = u16(`\\??\\${print}\0`), p = u16(`${print}\0`);
    const data = Buffer.alloc(8 + s.length + p.length);
    data.writeUInt16LE(0, 0); data.writeUInt16LE(s.length - 2, 2);
    data.writeUInt16LE(s.length, 4); data.writeUInt16LE(p.length - 2, 6);
    s.copy(data, 8); p.copy(data, 8 + s.length);
    const h = Buffer.alloc(8); h.writeUInt32LE(0xa0000003, 0); h.writeUInt16LE(data.length, 4);
    return Buffer.concat([h, data]);
}

const hex = (b: Buffer) => '0x' + b.toString('hex');

function fill(mnt: string, tree: string): void {
    fs.mkdirSync(path.join(mnt, 'comp'));
    // FILE_ATTRIBUTE_COMPRESSED on the folder: files created in it are LZNT1-compressed.
    sh('setfattr', ['-h', '-v', '0x00000800', '-n', 'system.ntfs_attrib_be', path.join(mnt, 'comp')]);
    sh('cp', ['-a', '--sparse=always', `${tree}/.`, mnt]);
    fs.copyFileSync(path.join(tree, 'data', 'three-mb.bin'), path.join(mnt, 'comp', 'three-mb.bin'));
    fs.writeFileSync(path.join(mnt, 'comp', 'text.txt'), TEXT);
    sh('setfattr', ['-n', 'user.streamname', '-v', STREAM, path.join(mnt, 'hello.txt')]);
    sh('setfattr', ['-n', 'user.big', '-v', hex(BIG_STREAM), path.join(mnt, 'data', 'odd-size.bin')]);
    fs.writeFileSync(path.join(mnt, 'multi.txt'), 'hi\n');
    for (const s of MULTI_STREAMS) sh('setfattr', ['-n', `user.${s.name}`, '-v', hex(s.data), path.join(mnt, 'multi.txt')]);
    sh('setfattr', ['-n', 'system.ntfs_dos_name', '-v', 'UNICOD~1.TXT', path.join(mnt, 'Ünïcødé ファイル.txt')]);
    fs.writeFileSync(path.join(mnt, 'win-link'), '');
    sh('setfattr', ['-n', 'system.ntfs_reparse_data', '-v', hex(symlinkReparse('hello.txt')), path.join(mnt, 'win-link')]);
    fs.mkdirSync(path.join(mnt, 'junction'));
    sh('setfattr', ['-n', 'system.ntfs_reparse_data', '-v', hex(junctionReparse(JUNCTION_PRINT)), path.join(mnt, 'junction')]);
    fs.mkdirSync(path.join(mnt, 'fifty'));
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(mnt, 'fifty', `g${String(i).padStart(2, '0')}.txt`), `fifty ${i}\n`);
}

/** What ntfs-3g made of it, as it reads it back after a fresh mount (its own view is the oracle). */
function verify(mnt: string): void {
    const check = (ok: boolean, what: string) => { if (!ok) throw new Error(`ntfs-3g fixture: ${what}`); };
    check(sh('getfattr', ['--only-values', '-n', 'user.streamname', path.join(mnt, 'hello.txt')]) === STREAM, 'stream not stored');
    check(fs.readlinkSync(path.join(mnt, 'win-link')) === 'hello.txt', 'reparse symlink not read back');
    check(/UNICOD~1\.TXT/.test(sh('getfattr', ['-n', 'system.ntfs_dos_name', path.join(mnt, 'Ünïcødé ファイル.txt')])), 'no DOS name');
}

/** The fixture image, built once per run. */
export function ntfsImage(): string {
    return cachedImage('ntfs', RECIPE, (out, work) => {
        const tree = path.join(work, 'tree');
        makeTree(tree, { symlinks: true, hardLinks: true });
        fs.closeSync(fs.openSync(out, 'w'));
        fs.truncateSync(out, 64 * 1024 * 1024);
        sh('mkntfs', ['-F', '-Q', '-s', '512', '-c', '4096', '-L', 'TestVol', out]);
        const mnt = path.join(work, 'mnt');
        fs.mkdirSync(mnt);
        sh('ntfs-3g', ['-o', 'compression', out, mnt]);
        try {
            fill(mnt, tree);
        } finally {
            sh('umount', [mnt]);
        }
        sh('ntfs-3g', ['-o', 'ro', out, mnt]);
        try {
            verify(mnt);
        } finally {
            sh('umount', [mnt]);
        }
    });
}

/** The fixture image and the tree's manifest (made again: makeTree is deterministic). */
export function ntfsFixture(): { image: string; manifest: ManifestEntry[] } {
    const image = ntfsImage();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-ntfs-tree-'));
    try {
        return { image, manifest: makeTree(path.join(dir, 't'), { symlinks: true, hardLinks: true }) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The MFT record number ntfsinfo reports for a path (the tool as the oracle). */
export function recordOf(image: string, p: string): number {
    const m = /Dumping Inode (\d+)/.exec(sh('ntfsinfo', ['-F', p, image]));
    if (!m) throw new Error(`ntfsinfo found no inode for ${p}`);
    return Number(m[1]);
}

/** Byte offset of MFT record `n`, from the $MFT runlist ntfsinfo prints. */
export function recordOffset(image: string, n: number): number {
    const out = sh('ntfsinfo', ['-v', '-i', '0', image]);
    const data = out.slice(out.indexOf('$DATA (0x80)'));
    const runs = [...data.matchAll(/^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)$/gm)].map((m) => m.slice(1).map((x) => parseInt(x, 16)));
    const vcn = Math.floor((n * 1024) / 4096);
    const run = runs.find(([v, , len]) => vcn >= v && vcn < v + len);
    if (!run) throw new Error(`record ${n} is not in the $MFT runlist ntfsinfo printed`);
    return (run[1] + vcn - run[0]) * 4096 + ((n * 1024) % 4096);
}

/** Undoes a record's fixups, lets `patch` change it, then protects it again (a valid record). */
export function patchRecord(img: Buffer, at: number, size: number, patch: (rec: Buffer) => void): void {
    const rec = img.subarray(at, at + size);
    const usa = rec.readUInt16LE(4);
    const usn = rec.readUInt16LE(usa);
    for (let i = 0; i < size / 512; i++) rec.writeUInt16LE(rec.readUInt16LE(usa + 2 + 2 * i), (i + 1) * 512 - 2);
    patch(rec);
    for (let i = 0; i < size / 512; i++) {
        rec.writeUInt16LE(rec.readUInt16LE((i + 1) * 512 - 2), usa + 2 + 2 * i);
        rec.writeUInt16LE(usn, (i + 1) * 512 - 2);
    }
}

/** The offset inside an (unprotected) MFT record of its first attribute of `type`. */
export function findAttribute(rec: Buffer, type: number): number {
    for (let at = rec.readUInt16LE(0x14); at + 8 <= rec.length && rec.readUInt32LE(at) !== 0xffffffff; at += rec.readUInt32LE(at + 4)) {
        if (rec.readUInt32LE(at) === type) return at;
    }
    throw new Error(`no attribute 0x${type.toString(16)}`);
}

/** Every node under `dir` by path, each listed once. */
export async function walk(fsr: FileSystemReader, dir: FsNode, prefix: string, out: Map<string, FsNode>, depth = 0): Promise<void> {
    assert.ok(depth < 20, 'tree depth');
    for (const e of await fsr.list(dir)) {
        const p = prefix ? `${prefix}/${e.name}` : e.name;
        assert.ok(!out.has(p), `listed twice: ${p}`);
        out.set(p, e);
        if (e.type === 'dir') await walk(fsr, e, p, out, depth + 1);
    }
}
