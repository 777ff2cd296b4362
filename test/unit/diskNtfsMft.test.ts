/**
 * A fragmented MFT: the fixture's $MFT (one run as mkntfs laid it out) moved into three runs in
 * free clusters ($Bitmap read by ntfscat), the third before the second so its LCN offset is
 * negative, and the old clusters zeroed. ntfsinfo reads the result (the patch is a valid volume);
 * the reader must find every record through record 0's runlist and list the same tree.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { FileSystemReader, FsNode, memoryDevice } from '../../src/disk/types';
import { openNtfs } from '../../src/disk/ntfs';
import { sh } from './diskKit';
import { sha256 } from './diskTree';
import { findAttribute, ntfsImage, patchRecord, recordOf, walk } from './diskNtfsKit';

const CLUSTER = 4096;

/** Free cluster runs from $Bitmap, as ntfs-3g's own ntfscat reads it. */
function freeRuns(image: string, clusters: number): { lcn: number; length: number }[] {
    const bitmap = execFileSync('ntfscat', [image, '$Bitmap']);
    const runs: { lcn: number; length: number }[] = [];
    let start = -1;
    for (let i = 0; i <= clusters; i++) {
        const used = i === clusters || (bitmap[i >> 3] >> (i & 7)) & 1;
        if (!used && start < 0) start = i;
        if (used && start >= 0) { runs.push({ lcn: start, length: i - start }); start = -1; }
    }
    return runs;
}

/** One mapping pair with the fewest bytes that hold the length and the signed LCN offset. */
function pair(length: number, delta: number): number[] {
    const le = (v: number, signed: boolean) => {
        const out: number[] = [];
        do { out.push(v & 0xff); v = Math.floor(v / 256); } while (signed ? !((v === 0 && !(out[out.length - 1] & 0x80)) || (v === -1 && out[out.length - 1] & 0x80)) : v !== 0);
        return out;
    };
    const l = le(length, false), o = le(delta, true);
    return [(o.length << 4) | l.length, ...l, ...o];
}

/** Replaces record 0's $DATA runlist (the attribute grows, the ones after it move along). */
function setMftRunlist(rec: Buffer, runlist: number[]): void {
    const a = findAttribute(rec, 0x80);
    const oldLen = rec.readUInt32LE(a + 4);
    const runOff = rec.readUInt16LE(a + 0x20);
    const newLen = Math.ceil((runOff + runlist.length + 1) / 8) * 8;
    const used = rec.readUInt32LE(0x18);
    const tail = Buffer.from(rec.subarray(a + oldLen, used));
    rec.fill(0, a + runOff, a + newLen);
    Buffer.from(runlist).copy(rec, a + runOff);
    rec.writeUInt32LE(newLen, a + 4);
    tail.copy(rec, a + newLen);
    rec.writeUInt32LE(used - oldLen + newLen, 0x18);
}

describe('NTFS reader over a fragmented MFT', { timeout: 120_000 }, () => {
    let image = '';
    let frag: Buffer;
    let work = '';

    before(() => {
        image = ntfsImage();
        const orig = fs.readFileSync(image);
        const mftLcn = 4, firstRun = 16;
        const mftClusters = parseInt(/0x0\s+0x4\s+0x([0-9a-f]+)/.exec(sh('ntfsinfo', ['-v', '-i', '0', image]))![1], 16);
        const rest = mftClusters - firstRun;
        const b = Math.floor(rest / 2), c = rest - b;
        const free = freeRuns(image, orig.length / CLUSTER - 1).filter((r) => r.lcn > mftLcn + mftClusters && r.length >= Math.max(b, c));
        assert.ok(free.length >= 2, 'two free stretches');
        const [low, high] = [free[0].lcn, free[1].lcn];
        frag = Buffer.from(orig);
        const move = (vcn: number, n: number, to: number) => orig.copy(frag, to * CLUSTER, (mftLcn + vcn) * CLUSTER, (mftLcn + vcn + n) * CLUSTER);
        // Second run high on the volume, third below it: a negative offset.
        move(firstRun, b, high);
        move(firstRun + b, c, low);
        frag.fill(0, (mftLcn + firstRun) * CLUSTER, (mftLcn + mftClusters) * CLUSTER);
        patchRecord(frag, mftLcn * CLUSTER, 1024, (rec) => setMftRunlist(rec, [...pair(firstRun, mftLcn), ...pair(b, high - mftLcn), ...pair(c, low - high)]));
        // $MFTMirr keeps a copy of record 0, which ntfsinfo compares.
        frag.copy(frag, Number(frag.readBigUInt64LE(0x38)) * CLUSTER, mftLcn * CLUSTER, mftLcn * CLUSTER + 1024);
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-ntfs-frag-'));
        fs.writeFileSync(path.join(work, 'frag.img'), frag);
    });

    it('is read by ntfsinfo as three runs with the last file where it was', () => {
        try {
            const out = sh('ntfsinfo', ['-v', '-i', '0', path.join(work, 'frag.img')]);
            const runs = out.slice(out.indexOf('$DATA (0x80)'), out.indexOf('$BITMAP (0xb0)')).match(/^\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+$/gm)!;
            assert.equal(runs.length, 3, out);
            assert.equal(recordOf(path.join(work, 'frag.img'), '/many/f04999.txt'), recordOf(image, '/many/f04999.txt'));
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });

    it('lists the same tree with the same bytes as from the unfragmented MFT', async () => {
        const snapshot = async (f: FileSystemReader) => {
            const nodes = new Map<string, FsNode>();
            await walk(f, await f.root(), '', nodes);
            const out: string[] = [];
            for (const [p, n] of nodes) out.push(`${p} ${n.id} ${n.type} ${n.size} ${n.type === 'file' && !p.startsWith('many/') ? sha256(await f.read(n, 0, n.size)) : ''}`);
            return out;
        };
        const want = await snapshot(await openNtfs(memoryDevice(fs.readFileSync(image))));
        const got = await snapshot(await openNtfs(memoryDevice(frag)));
        assert.ok(want.length > 5100);
        assert.deepEqual(got, want);
    });
});
