/**
 * LVM2 fixtures made by pvcreate/vgcreate/lvcreate on a loop device (no device-mapper here, so
 * `--driverloaded n` and volumes are never activated), with known bytes written at each logical
 * volume's extents by dd where `lvs` says they lie; and the tools' own reports to compare with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bytes } from './diskTree';
import { cachedImage, sh } from './diskKit';

const MiB = 1024 * 1024;

/** An lvm.conf of our own (no backup or archive files left on the host) and quiet fd warnings. */
function lvmEnv(work: string): NodeJS.ProcessEnv {
    const dir = path.join(work, 'lvm-system');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'lvm.conf'), 'backup {\n\tbackup = 0\n\tarchive = 0\n}\n');
    return { LVM_SYSTEM_DIR: dir, LVM_SUPPRESS_FD_WARNINGS: '1' };
}

/** Runs an LVM command that sees only `loop`. */
function lvm(env: NodeJS.ProcessEnv, loop: string, cmd: string, args: string[]): string {
    return sh(cmd, ['--devices', loop, '--driverloaded', 'n', ...args], { env });
}

/** A small ext4 image (a few files, by mkfs.ext4 -d) of exactly `mib` MiB: the bytes put into an LV. */
export function ext4Image(mib: number): string {
    return cachedImage(`lvm-ext4-${mib}m`, 'v1', (out, work) => {
        const dir = path.join(work, 'tree');
        fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'etc', 'hostname'), 'volume\n');
        fs.writeFileSync(path.join(dir, 'random.bin'), bytes(7, 1536 * 1024));
        fs.writeFileSync(path.join(dir, 'naïve name.txt'), 'é'.repeat(5000));
        sh('mkfs.ext4', ['-q', '-F', '-U', '7b9f0c1a-5d1e-4d7a-9a55-3b1f0e2a7c11', '-E', 'hash_seed=3d9a2a0c-19e4-4d29-8a0e-0c3a2f5b6d71', '-d', dir, out, `${mib}M`], { env: { E2FSPROGS_FAKE_TIME: '1714979290' } });
    });
}

export interface LvsRow { lv_name: string; lv_size: string; seg_pe_ranges: string; segtype: string }

/** `lvs -a` and `pvs` on the PV at `offset` of `img`, attached read-only. */
export function lvmOracle(img: string, offset = 0, sizelimit?: number): { lvs: LvsRow[]; peStart: number; uuid: string; mdaCount: number } {
    const work = fs.mkdtempSync(path.join(path.dirname(img), '.oracle-'));
    const loop = sh('losetup', ['-r', '-f', '--show', '-o', String(offset), ...(sizelimit ? ['--sizelimit', String(sizelimit)] : []), img]).trim();
    try {
        const env = lvmEnv(work);
        const lvs = JSON.parse(lvm(env, loop, 'lvs', ['-a', '--reportformat', 'json', '-o', 'lv_name,lv_size,seg_pe_ranges,segtype', '--units', 'b'])) as { report: { lv: LvsRow[] }[] };
        const pvs = JSON.parse(lvm(env, loop, 'pvs', ['--reportformat', 'json', '-o', 'pe_start,pv_uuid,pv_mda_count', '--units', 'b'])) as { report: { pv: { pe_start: string; pv_uuid: string; pv_mda_count: string }[] }[] };
        const pv = pvs.report[0].pv[0];
        return { lvs: lvs.report[0].lv, peStart: parseInt(pv.pe_start, 10), uuid: pv.pv_uuid, mdaCount: Number(pv.pv_mda_count) };
    } finally {
        sh('losetup', ['-d', loop]);
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** Writes `source` across an LV's segments in order, at the PV extents `lvs` reports for them. */
function fillLv(loop: string, rows: LvsRow[], lv: string, peStart: number, source: string): void {
    let lvExtent = 0;
    for (const row of rows.filter((r) => r.lv_name === lv)) {
        const m = /^[^:]+:(\d+)-(\d+)$/.exec(row.seg_pe_ranges);
        if (!m) throw new Error(`lvs: segment of ${lv} is ${row.seg_pe_ranges}`);
        const [first, last] = [Number(m[1]), Number(m[2])];
        const count = last - first + 1;
        // Units of 64 KiB: pe_start and the 1 MiB extents are multiples of it.
        sh('dd', [`if=${source}`, `of=${loop}`, 'bs=64K', `skip=${lvExtent * 16}`, `seek=${(peStart + first * MiB) / 65536}`, `count=${count * 16}`, 'conv=notrunc', 'status=none']);
        lvExtent += count;
    }
}

const PV_UUID = 'Fixtur-e0PV-0000-0000-0000-0000-rootv1';

function rootvgThinText(backup: string): string {
    const lv = (name: string, status: string, seg: string): string =>
        `\t\t${name} {\n\t\t\tid = "${(name.replace(/[^a-z0-9]/g, '') + 'xxxxxx').slice(0, 6)}-0000-0000-0000-0000-0000-000001"\n\t\t\tstatus = [${status}]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n\n\t\t\tsegment1 {\n${seg}\t\t\t}\n\t\t}\n`;
    const striped = (n: number, pe: number): string => `\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = ${n}\n\t\t\t\ttype = "striped"\n\t\t\t\tstripe_count = 1\n\t\t\t\tstripes = [\n\t\t\t\t\t"pv0", ${pe}\n\t\t\t\t]\n`;
    const added = lv('pool', '"READ", "WRITE", "VISIBLE"', '\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 8\n\t\t\t\ttype = "thin-pool"\n\t\t\t\tmetadata = "pool_tmeta"\n\t\t\t\tpool = "pool_tdata"\n\t\t\t\ttransaction_id = 1\n\t\t\t\tchunk_size = 128\n\t\t\t\tdiscards = "passdown"\n\t\t\t\tzero_new_blocks = 1\n')
        + lv('thinlv', '"READ", "WRITE", "VISIBLE"', '\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 16\n\t\t\t\ttype = "thin"\n\t\t\t\tthin_pool = "pool"\n\t\t\t\ttransaction_id = 0\n\t\t\t\tdevice_id = 1\n')
        + lv('pool_tdata', '"READ", "WRITE"', striped(8, 12)) + lv('pool_tmeta', '"READ", "WRITE"', striped(1, 20));
    const end = backup.lastIndexOf('\t}\n');
    if (end < 0) throw new Error('vgcfgbackup: no end of logical_volumes');
    return backup.slice(0, end) + added + backup.slice(end);
}

/**
 * 64 MiB PV (pe_start 64 KiB, 32 KiB metadata area so the newest text wraps round its end), VG
 * rootvg of 1 MiB extents: rootlv in two segments with homelv between them, then a thin pool and a
 * thin volume (restored by vgcfgrestore --force: lvcreate cannot make them without device-mapper).
 */
export function rootvgImage(): string {
    const rootFs = ext4Image(9);
    const homeBytes = bytes(11, 3 * MiB);
    return cachedImage('lvm-rootvg', `v1 ${rootFs}`, (out, work) => {
        const img = path.join(work, 'pv.img');
        fs.writeFileSync(img, '');
        fs.truncateSync(img, 64 * MiB);
        const env = lvmEnv(work);
        const loop = sh('losetup', ['-f', '--show', img]).trim();
        const run = (cmd: string, ...args: string[]): string => lvm(env, loop, cmd, args);
        try {
            run('pvcreate', '--uuid', PV_UUID, '--norestorefile', '--metadatasize', '32k', '--dataalignment', '64k', loop);
            run('vgcreate', '-s', '1M', 'rootvg', loop);
            run('vgchange', ...Array.from({ length: 12 }, (_, i) => ['--addtag', `t${i}_${'x'.repeat(1000)}`]).flat(), 'rootvg');
            run('lvcreate', '--activate', 'n', '--zero', 'n', '-n', 'rootlv', '-L', '4M', 'rootvg');
            run('lvcreate', '--activate', 'n', '--zero', 'n', '-n', 'homelv', '-L', '3M', 'rootvg');
            run('lvextend', '-L', '+5M', 'rootvg/rootlv');
            run('vgcfgbackup', '-f', path.join(work, 'vg.txt'), 'rootvg');
            fs.writeFileSync(path.join(work, 'vg2.txt'), rootvgThinText(fs.readFileSync(path.join(work, 'vg.txt'), 'utf8')));
            run('vgcfgrestore', '--force', '-f', path.join(work, 'vg2.txt'), 'rootvg');
            for (let i = 0; i < 8 && !mdaWrapped(img, 4096); i++) run('vgchange', '--addtag', `w${i}`, 'rootvg');
            const lvs = (JSON.parse(run('lvs', '-a', '--reportformat', 'json', '-o', 'lv_name,lv_size,seg_pe_ranges,segtype', '--units', 'b')) as { report: { lv: LvsRow[] }[] }).report[0].lv;
            const peStart = parseInt(run('pvs', '--noheadings', '-o', 'pe_start', '--units', 'b', loop).trim(), 10);
            fillLv(loop, lvs, 'rootlv', peStart, rootFs);
            fs.writeFileSync(path.join(work, 'home.bin'), homeBytes);
            fillLv(loop, lvs, 'homelv', peStart, path.join(work, 'home.bin'));
            sh('cp', ['--sparse=always', img, out]);
        } finally {
            cleanup(env, loop, 'rootvg');
        }
    });
}

/** A 48 MiB disk with one GPT partition (type 8e00) holding a PV with two metadata areas: VG datavg, LV datalv. */
export function gptLvmImage(): string {
    const dataFs = ext4Image(8);
    return cachedImage('lvm-gpt', `v1 ${dataFs}`, (out, work) => {
        const img = path.join(work, 'disk.img');
        fs.writeFileSync(img, '');
        fs.truncateSync(img, 48 * MiB);
        sh('sgdisk', ['-n1:2048:0', '-t1:8e00', '-c1:lvm', img]);
        const first = 2048 * 512;
        const last = Number(/Last sector: (\d+)/.exec(sh('sgdisk', ['-i', '1', img]))![1]);
        const env = lvmEnv(work);
        const loop = sh('losetup', ['-f', '--show', '-o', String(first), '--sizelimit', String((last + 1) * 512 - first), img]).trim();
        const run = (cmd: string, ...args: string[]): string => lvm(env, loop, cmd, args);
        try {
            run('pvcreate', '--pvmetadatacopies', '2', loop);
            run('vgcreate', '-s', '1M', 'datavg', loop);
            run('lvcreate', '--activate', 'n', '--zero', 'n', '-n', 'datalv', '-L', '8M', 'datavg');
            const lvs = (JSON.parse(run('lvs', '--reportformat', 'json', '-o', 'lv_name,lv_size,seg_pe_ranges,segtype', '--units', 'b')) as { report: { lv: LvsRow[] }[] }).report[0].lv;
            const peStart = parseInt(run('pvs', '--noheadings', '-o', 'pe_start', '--units', 'b', loop).trim(), 10);
            fillLv(loop, lvs, 'datalv', peStart, dataFs);
            sh('cp', ['--sparse=always', img, out]);
        } finally {
            cleanup(env, loop, 'datavg');
        }
    });
}

/** The fixture was copied out; the work PV is removed and the loop device detached whatever happened. */
function cleanup(env: NodeJS.ProcessEnv, loop: string, vg: string): void {
    for (const [cmd, args] of [['vgremove', ['-f', vg]], ['pvremove', ['-ff', '-y', loop]]] as [string, string[]][]) {
        try {
            lvm(env, loop, cmd, args);
        } catch {
            // Nothing to remove when the build failed before creating it.
        }
    }
    sh('losetup', ['-d', loop]);
}

/** Whether the first raw_locn of the mda_header at `at` runs past the end of its area (read as layout.h says). */
export function mdaWrapped(img: string, at: number): boolean {
    const fd = fs.openSync(img, 'r');
    try {
        const h = Buffer.alloc(64);
        fs.readSync(fd, h, 0, 64, at);
        return Number(h.readBigUInt64LE(40) + h.readBigUInt64LE(48)) > Number(h.readBigUInt64LE(32));
    } finally {
        fs.closeSync(fd);
    }
}
