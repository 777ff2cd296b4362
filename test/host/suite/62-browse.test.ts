/**
 * Browse Contents through the real commands against the sandbox. The suite makes a disk of its
 * own: a GPT disk with one ext4 partition, written by sgdisk and mkfs.ext4 -d from a small tree,
 * uploaded with Create Disk from Image…. Then: Browse Contents
 * (a Read grant first), a file read through the azure-disk: URI, Save to Workspace… of a folder
 * compared by sha256 with the tree, and Close Disk revoking the grant browsing made. Open Disk
 * Image reads the same image locally, with no grant at all. The seeded OS disks (Red Hat: LVM and
 * XFS; Windows: NTFS) are browsed as they come from the sandbox.
 *
 * The window is a single-folder one, where adding a workspace folder makes VS Code enter a
 * multi-root workspace (and reload the window): the commands run with `addToWorkspace: false` and
 * use the root URI they answer.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RHEL_RELEASE, WINDOWS_HOSTS } from '../../sandbox/imageFiles';
import { control, scriptedSuite, seedDisk, telemetryEvents } from './harness';

const Cmd = {
    CreateDiskFromImage: 'azureDisks.createDiskFromImage',
    BrowseContents: 'azureDisks.browseContents',
    OpenDiskImage: 'azureDisks.openDiskImage',
    SaveToWorkspace: 'azureDisks.saveToWorkspace',
    CloseDiskContents: 'azureDisks.closeDiskContents',
} as const;
const MiB = 1024 * 1024;
const DISK = 'browse-ext4';

function sha256(data: Uint8Array): string {
    return createHash('sha256').update(data).digest('hex');
}

/** The tree the file system is made from: relative path → content (a link as `{ link }`). */
function writeTree(dir: string): Map<string, Buffer | { link: string }> {
    const files = new Map<string, Buffer | { link: string }>([
        ['hello.txt', Buffer.from('Hello from inside the disk.\n')],
        ['data/one.bin', Buffer.from(createHash('sha512').update('one').digest('hex').repeat(2400))],
        ['data/sub/two.txt', Buffer.from('two\n')],
        ['data/name with spaces ü.txt', Buffer.from('spaces and umlaut\n')],
        ['data/link', { link: '../hello.txt' }],
    ]);
    for (const [rel, content] of files) {
        const p = path.join(dir, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        if (Buffer.isBuffer(content)) fs.writeFileSync(p, content);
        else fs.symlinkSync(content.link, p);
    }
    return files;
}

/** 40 MiB: ext4 (32 MiB, made first: mkfs wipes the start of the file) at 1 MiB, then the GPT around it. */
function makeImage(dir: string, tree: string): string {
    const img = path.join(dir, 'browse.img');
    execFileSync('truncate', ['-s', '40M', img]);
    execFileSync('mkfs.ext4', ['-q', '-F', '-b', '4096', '-L', 'browse', '-d', tree, '-E', `offset=${MiB}`, img, '32M'], { stdio: 'pipe' });
    execFileSync('sgdisk', ['-n', '1:2048:67583', '-t', '1:8300', img], { stdio: 'pipe' });
    return img;
}

function listFiles(dir: string): string[] {
    return (fs.readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

describe('Browse Contents', () => {
    const ui = scriptedSuite({ refresh: true });
    let work: string;
    let img: string;
    let tree: Map<string, Buffer | { link: string }>;
    const seed = () => seedDisk('big-data');

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-browse-'));
        tree = writeTree(path.join(work, 'tree'));
        img = makeImage(work, path.join(work, 'tree'));
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it('an uploaded GPT + ext4 disk: browsed, a file read, a folder saved byte for byte, the grant revoked on close', async () => {
        const s = seed();
        const rg = { rg: { tenantId: s.tenantId, subscriptionId: s.subscriptionId, name: s.resourceGroup, location: 'westeurope' } };
        const id = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.Compute/disks/${DISK}`;
        const ref = { tenantId: s.tenantId, subscriptionId: s.subscriptionId, resourceGroup: s.resourceGroup, name: DISK, kind: 'disk' as const, id };
        ui.script(
            { match: 'Image to upload', answer: { files: [img] } },
            { match: 'Name of the new disk', answer: { input: DISK } },
            { match: 'Region of the new disk', answer: { pick: 'westeurope' } },
            { match: 'Disk type', answer: { pick: 'Standard HDD (LRS)' } },
            { match: 'Operating system', answer: { pick: 'None (a data disk)' } },
        );
        await vscode.commands.executeCommand(Cmd.CreateDiskFromImage, rg);
        assert.equal(await control().diskState(id), 'Unattached', 'the upload finished');

        ui.script({ match: 'Access level', optional: true, answer: { pick: 'Read' } }, { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } });
        const answered = await vscode.commands.executeCommand<string>(Cmd.BrowseContents, ref, { addToWorkspace: false });
        assert.ok(answered, `a root URI (toasts: ${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        const root = vscode.Uri.parse(answered);
        assert.equal(root.scheme, 'azure-disk');
        assert.doesNotMatch(decodeURIComponent(answered), /sig=|se=|https?:|blob/i, 'no SAS, no storage URL in the URI');
        assert.equal(await control().diskState(id), 'ActiveSAS', 'Read granted first');

        const volumes = await vscode.workspace.fs.readDirectory(root);
        assert.equal(volumes.length, 1, `one volume: ${JSON.stringify(volumes)}`);
        const [volName, volType] = volumes[0];
        assert.equal(volType, vscode.FileType.Directory);
        assert.match(volName, /^1 .*ext4/);
        const vol = vscode.Uri.joinPath(root, volName);
        const top = (await vscode.workspace.fs.readDirectory(vol)).map(([n]) => n).sort();
        assert.deepEqual(top, ['data', 'hello.txt', 'lost+found']);
        const hello = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(vol, 'hello.txt'));
        assert.equal(Buffer.from(hello).toString(), 'Hello from inside the disk.\n');
        const stat = await vscode.workspace.fs.stat(vscode.Uri.joinPath(vol, 'data', 'one.bin'));
        assert.equal(stat.size, (tree.get('data/one.bin') as Buffer).length);
        await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(vscode.Uri.joinPath(vol, 'new.txt'), Buffer.from('x'))), 'read-only');

        const target = path.join(work, 'saved');
        fs.mkdirSync(target);
        ui.script({ match: 'into which folder', answer: { files: [target] } });
        await vscode.commands.executeCommand(Cmd.SaveToWorkspace, vscode.Uri.joinPath(vol, 'data'));
        assert.deepEqual(listFiles(target), ['data', 'data/link', 'data/name with spaces ü.txt', 'data/one.bin', 'data/sub', 'data/sub/two.txt']);
        for (const [rel, content] of tree) {
            if (!rel.startsWith('data/')) continue;
            const saved = path.join(target, rel);
            if (Buffer.isBuffer(content)) assert.equal(sha256(fs.readFileSync(saved)), sha256(content), `${rel}: sha256`);
            else assert.equal(fs.readlinkSync(saved), content.link, `${rel}: saved as a link to its stored target`);
        }
        assert.ok(ui.toasts.some((t) => /Saved 3 files/.test(t.message)), JSON.stringify(ui.toasts.map((t) => t.message)));

        const config = vscode.workspace.getConfiguration('azureDisks');
        const previous = config.inspect<string>('download.revokeAfterDownload')?.workspaceValue;
        await config.update('download.revokeAfterDownload', 'always', vscode.ConfigurationTarget.Workspace);
        try {
            await vscode.commands.executeCommand(Cmd.CloseDiskContents, root);
        } finally {
            await config.update('download.revokeAfterDownload', previous, vscode.ConfigurationTarget.Workspace);
        }
        assert.equal(await control().diskState(id), 'Unattached', 'the grant browsing made is revoked on close');
        assert.ok(telemetryEvents().some((e) => e.eventName === 'browseContents' && e.properties?.result === 'Succeeded'));
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('the seeded Red Hat and Windows disks: partitions and LVM volumes as folders, files read from XFS and NTFS', async () => {
        const config = vscode.workspace.getConfiguration('azureDisks');
        const previous = config.inspect<string>('download.revokeAfterDownload')?.workspaceValue;
        await config.update('download.revokeAfterDownload', 'always', vscode.ConfigurationTarget.Workspace);
        try {
            for (const [name, volume, file, want] of [
                ['rhel-os', 'rootvg-rootlv (XFS, 300 MiB)', ['etc', 'redhat-release'], RHEL_RELEASE],
                ['windows-os', '3 Basic data partition (NTFS, 139 MiB)', ['Windows', 'System32', 'drivers', 'etc', 'hosts'], WINDOWS_HOSTS],
            ] as const) {
                const s = seedDisk(name);
                const ref = { tenantId: s.tenantId, subscriptionId: s.subscriptionId, resourceGroup: s.resourceGroup, name, kind: 'disk' as const, id: s.id };
                ui.script({ match: 'Access level', optional: true, answer: { pick: 'Read' } }, { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } });
                const root = vscode.Uri.parse(await vscode.commands.executeCommand<string>(Cmd.BrowseContents, ref, { addToWorkspace: false }));
                const volumes = (await vscode.workspace.fs.readDirectory(root)).map(([n]) => n);
                assert.ok(volumes.includes(volume), `${name}: ${JSON.stringify(volumes)}`);
                const text = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, volume, ...file));
                assert.equal(Buffer.from(text).toString(), want, `${name}: ${file.join('/')}`);
                await vscode.commands.executeCommand(Cmd.CloseDiskContents, root);
                assert.equal(await control().diskState(s.id), 'Unattached', `${name}: the grant browsing made is revoked on close`);
            }
        } finally {
            await config.update('download.revokeAfterDownload', previous, vscode.ConfigurationTarget.Workspace);
        }
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('Open Disk Image reads the same image on this machine, with no grant', async () => {
        const answered = await vscode.commands.executeCommand<string>(Cmd.OpenDiskImage, vscode.Uri.file(img), { addToWorkspace: false });
        assert.ok(answered);
        const root = vscode.Uri.parse(answered);
        const [[volName]] = await vscode.workspace.fs.readDirectory(root);
        const one = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, volName, 'data', 'one.bin'));
        assert.equal(sha256(one), sha256(tree.get('data/one.bin') as Buffer));
        const link = await vscode.workspace.fs.stat(vscode.Uri.joinPath(root, volName, 'data', 'link'));
        assert.ok(link.type & vscode.FileType.SymbolicLink, 'a link is shown as a link');
        await vscode.commands.executeCommand(Cmd.CloseDiskContents, root);
    });
});
