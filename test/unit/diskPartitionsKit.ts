/**
 * Partition-table fixtures made by sgdisk and sfdisk, their own reports of what they wrote, and a
 * device that overlays patched bytes on an image (damage without copying the whole file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockDevice, checkRead } from '../../src/disk/types';
import { cachedImage, sh } from './diskKit';

/** A device reading `base` with some byte ranges replaced (damage without writing the image). */
export function overlayDevice(base: BlockDevice, patches: { offset: number; bytes: Uint8Array }[], size = base.size): BlockDevice {
    return {
        size,
        async read(offset: number, length: number): Promise<Uint8Array> {
            checkRead(size, offset, length);
            const out = Uint8Array.from(await base.read(offset, length));
            for (const p of patches) {
                const from = Math.max(offset, p.offset);
                const to = Math.min(offset + length, p.offset + p.bytes.length);
                if (from < to) out.set(p.bytes.subarray(from - p.offset, to - p.offset), from - offset);
            }
            return out;
        },
    };
}

export const GPT_RECIPE = [
    '-U', '0A0B0C0D-1111-4222-8333-444455556666',
    '-n1:2048:+8M', '-t1:ef00', '-c1:EFI System Partition', '-u1:11111111-0000-4000-8000-000000000001',
    '-n2:0:+1M', '-t2:ef02',
    '-n3:0:+4M', '-t3:0c01', '-c3:Microsoft reserved partition',
    '-n4:0:+8M', '-t4:0700', '-c4:Données ✓ 数据',
    '-n5:0:+4M', '-t5:2700',
    '-n6:0:+12M', '-t6:8304', '-c6:root', '-A6:set:2', '-A6:set:60',
    '-n7:0:+8M', '-t7:8e00',
    '-n8:0:+4M', '-t8:8200',
    '-n9:0:0', '-t9:8300', '-c9:home',
];

/** A sparse 64 MiB disk with nine GPT partitions of the common types. */
export function gptImage(): string {
    return cachedImage('parts-gpt', JSON.stringify(GPT_RECIPE), (out) => {
        fs.writeFileSync(out, '');
        fs.truncateSync(out, 64 * 1024 * 1024);
        sh('sgdisk', [...GPT_RECIPE, out]);
    });
}

export const MBR_SCRIPT = [
    'label: dos', 'label-id: 0x1234abcd', 'unit: sectors', '',
    'start=2048, size=16384, type=83, bootable',
    'start=18432, size=8192, type=7',
    'start=26624, type=f',
    'start=28672, size=8192, type=83',
    'size=6144, type=82',
    'size=10240, type=c',
].join('\n') + '\n';

/** A sparse 64 MiB disk: two primary partitions and an extended one holding three logical ones. */
export function mbrImage(): string {
    return cachedImage('parts-mbr', MBR_SCRIPT, (out) => {
        fs.writeFileSync(out, '');
        fs.truncateSync(out, 64 * 1024 * 1024);
        sh('sfdisk', ['-q', out], { input: MBR_SCRIPT });
    });
}

export interface SgdiskPart { number: number; first: number; last: number; typeGuid: string; guid: string; attributes: bigint; name: string }

/** What `sgdisk -p` and `sgdisk -i N` report for every partition of an image. */
export function sgdiskOracle(img: string): SgdiskPart[] {
    const numbers = sh('sgdisk', ['-p', img]).split('\n').map((l) => /^\s+(\d+)\s+\d+\s+\d+\s/.exec(l)).filter((m) => m).map((m) => Number(m![1]));
    return numbers.map((n) => {
        const info = sh('sgdisk', ['-i', String(n), img]);
        const field = (label: string): string => {
            const m = new RegExp(`^${label}: (.*)$`, 'm').exec(info);
            if (!m) throw new Error(`sgdisk -i ${n}: no "${label}" in\n${info}`);
            return m[1];
        };
        return {
            number: n,
            first: Number(field('First sector').split(' ')[0]),
            last: Number(field('Last sector').split(' ')[0]),
            typeGuid: field('Partition GUID code').split(' ')[0],
            guid: field('Partition unique GUID'),
            attributes: BigInt(`0x${field('Attribute flags')}`),
            name: /^'(.*)'$/s.exec(field('Partition name'))![1],
        };
    });
}

export interface SfdiskPart { number: number; start: number; size: number; type: string; bootable: boolean }

/** What `sfdisk --json` reports (sectors; the type as hex without 0x). */
export function sfdiskOracle(img: string): SfdiskPart[] {
    const json = JSON.parse(sh('sfdisk', ['--json', img])) as { partitiontable: { partitions: { node: string; start: number; size: number; type: string; bootable?: boolean }[] } };
    return json.partitiontable.partitions.map((p) => ({
        number: Number(/(\d+)$/.exec(path.basename(p.node))![1]),
        start: p.start,
        size: p.size,
        type: p.type,
        bootable: p.bootable === true,
    }));
}

export function u32le(n: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
}

export function u64le(n: bigint): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, n, true);
    return b;
}
