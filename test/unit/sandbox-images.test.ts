/**
 * The seeded OS disks hold real file systems: read through a Read grant with the extension's own
 * blob device and volume readers, each disk shows the partitions its OS install has, and files
 * read back with the text the seed wrote. Only their non-zero blocks are written to the blobs.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { openBlobDevice, type BlobDevice } from '../../src/disk/device/blob';
import type { FsNode } from '../../src/disk/types';
import { openVolumes, type Volume } from '../../src/disk/volumes';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { CVM_HOSTNAME, RHEL_MESSAGES, RHEL_RELEASE, UBUNTU_SYSLOG, WINDOWS_HOSTS } from '../sandbox/imageFiles';
import type { SeedDisk } from '../sandbox/types';

const MiB = 1024 * 1024;
let sb: Sandbox;

before(async () => {
    sb = await startSandbox({ lroPolls: 0, retryAfterSeconds: 0 });
});
after(async () => {
    await sb?.stop();
});

function seeded(name: string): SeedDisk {
    const d = sb.manifest.find((x) => x.name === name);
    assert.ok(d, `seed has ${name}`);
    return d;
}

/** A Read grant of the disk (as Grant Access makes it), opened as the extension opens it for Browse Contents. */
async function open(d: SeedDisk): Promise<{ dev: BlobDevice; volumes: Volume[] }> {
    const auth = { Authorization: `Bearer ${sb.info.bearerToken}` };
    const grant = await fetch(`${sb.info.armEndpoint}${d.id}/beginGetAccess?api-version=2025-01-02`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ access: 'Read', durationInSeconds: 600 }) });
    assert.equal(grant.status, 202);
    const done = await fetch(grant.headers.get('location')!, { headers: auth });
    const { accessSAS } = (await done.json()) as { accessSAS: string };
    const dev = await openBlobDevice({ url: accessSAS });
    return { dev, volumes: await openVolumes(dev) };
}

async function revoke(d: SeedDisk): Promise<void> {
    const auth = { Authorization: `Bearer ${sb.info.bearerToken}` };
    const r = await fetch(`${sb.info.armEndpoint}${d.id}/endGetAccess?api-version=2025-01-02`, { method: 'POST', headers: auth });
    if (r.headers.get('location')) await fetch(r.headers.get('location')!, { headers: auth });
}

async function text(v: Volume, rel: string): Promise<string> {
    assert.ok(v.fs, `${v.name} has a file system`);
    let node: FsNode = await v.fs.root();
    for (const name of rel.split('/')) {
        const next = (await v.fs.list(node)).find((e) => e.name === name);
        assert.ok(next, `${v.name}: no ${rel}`);
        node = next;
    }
    return Buffer.from(await v.fs.read(node, 0, node.size)).toString('utf8');
}

/** Opens the disk, checks its volumes' names, hands them to `check`, then closes and revokes. */
async function browse(name: string, names: string[], check: (byName: (n: string) => Volume) => Promise<void>): Promise<void> {
    const d = seeded(name);
    const { dev, volumes } = await open(d);
    try {
        assert.deepEqual(volumes.map((v) => v.name), names);
        await check((n) => volumes.find((v) => v.name === n)!);
    } finally {
        dev.close();
        await revoke(d);
    }
}

describe('seeded disks with file systems', () => {
    it('writes only the non-zero blocks: a few MiB of each image', () => {
        for (const [name, size] of [['cvm-os', 32], ['ubuntu-os', 256], ['windows-os', 256], ['rhel-os', 704]] as const) {
            const b = seeded(name).blobs.disk;
            assert.equal(b.size, size * MiB + 512, `${name}: size + footer`);
            assert.ok(b.writtenBytes > 64 * 1024 && b.writtenBytes < 4 * MiB, `${name}: ${b.writtenBytes} bytes written`);
        }
    });

    it('the confidential VM\'s disk: GPT, EFI (FAT16) and an unnamed x86-64 root (ext4)', async () => {
        await browse('cvm-os', ['1 EFI System (FAT16, 8 MiB)', '2 Linux root (x86-64) (ext4, 23 MiB)'], async (v) => {
            assert.equal(await text(v('2 Linux root (x86-64) (ext4, 23 MiB)'), 'etc/hostname'), CVM_HOSTNAME);
            assert.match(await text(v('1 EFI System (FAT16, 8 MiB)'), 'EFI/ubuntu/grub.cfg'), /cloudimg-rootfs/);
        });
    });

    it('Ubuntu: BIOS boot, EFI (FAT32) and the ext4 root, numbered as the cloud images number them', async () => {
        await browse('ubuntu-os', ['1 Linux filesystem (ext4, 187 MiB)', '14 BIOS boot (reserved, 4 MiB)', '15 EFI System (FAT32, 64 MiB)'], async (v) => {
            assert.equal(await text(v('1 Linux filesystem (ext4, 187 MiB)'), 'var/log/syslog'), UBUNTU_SYSLOG);
        });
    });

    it('Windows: EFI (FAT32), Microsoft reserved, and C: in NTFS', async () => {
        const c = '3 Basic data partition (NTFS, 139 MiB)';
        await browse('windows-os', ['1 EFI system partition (FAT32, 100 MiB)', '2 Microsoft reserved partition (reserved, 16 MiB)', c], async (v) => {
            assert.equal(await text(v(c), 'Windows/System32/drivers/etc/hosts'), WINDOWS_HOSTS);
            assert.match(await text(v(c), 'Users/azureuser/Documents/Projekt Übersicht.txt'), /日本語/);
        });
    });

    it('Red Hat: EFI (FAT16), /boot in XFS, BIOS boot, and rootvg/rootlv in XFS on an LVM PV', async () => {
        const root = 'rootvg-rootlv (XFS, 300 MiB)';
        await browse('rhel-os', ['1 EFI System Partition (FAT16, 64 MiB)', '2 Linux filesystem (XFS, 300 MiB)', '3 BIOS boot (reserved, 1 MiB)', root], async (v) => {
            assert.equal(await text(v(root), 'etc/redhat-release'), RHEL_RELEASE);
            assert.equal(await text(v(root), 'var/log/messages'), RHEL_MESSAGES);
            assert.match(await text(v('2 Linux filesystem (XFS, 300 MiB)'), 'loader/entries/rhel-5.14.0-427.el9.x86_64.conf'), /rootvg-rootlv/);
        });
    });
});
