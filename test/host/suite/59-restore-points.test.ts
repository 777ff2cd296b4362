/**
 * Disk restore points through the real commands: the tree shows collections → restore points →
 * disk restore points; their disks grant, download byte-exact (the sandbox's sha256) and revoke,
 * with three blobs for the confidential VM's. And an upload into an Entra-protected disk.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/shared/types';
import type { SeedBlob, SeedDiskRestorePoint } from '../../sandbox/types';
import { Cmds, control, DISK_AUDIENCE, diskTokenRequests, getApi, grantWithPreset, poll, sandbox, seedDisk, useScriptedInput } from './harness';
import { disksDir, sha256, withSettings } from './faultKit';
import type { ScriptedInput } from './scriptedInput';

const MiB = 1024 * 1024;

interface Node {
    id: string;
    disk?: DiskInfo;
}

function restorePoints(): SeedDiskRestorePoint[] {
    const raw = JSON.parse(fs.readFileSync(sandbox().info.manifestPath, 'utf8')) as { diskRestorePoints?: SeedDiskRestorePoint[] };
    return raw.diskRestorePoints ?? [];
}

function seedRestorePoint(collection: string): SeedDiskRestorePoint {
    const r = restorePoints().find((x) => x.restorePointCollection === collection);
    assert.ok(r, `the sandbox seeds a disk restore point in ${collection}`);
    return r;
}

async function item(node: Node): Promise<vscode.TreeItem> {
    return (await getApi()).treeDataProvider.getTreeItem(node as never) as vscode.TreeItem;
}

async function labelOf(node: Node): Promise<string> {
    const l = (await item(node)).label;
    return typeof l === 'string' ? l : (l?.label ?? '');
}

async function children(node: Node | undefined): Promise<Node[]> {
    return ((await (await getApi()).treeDataProvider.getChildren(node as never)) ?? []) as Node[];
}

/** The child row labelled `label`, as a user would find it. */
async function child(parent: Node | undefined, label: string): Promise<Node> {
    const rows = await children(parent);
    for (const r of rows) if ((await labelOf(r)) === label) return r;
    throw new Error(`no row "${label}" (rows: ${(await Promise.all(rows.map(labelOf))).join(', ')})`);
}

async function groupNode(subscriptionId: string, rg: string): Promise<Node> {
    const sub = (await children(undefined)).find((n) => n.id.toLowerCase().includes(`/subscriptions/${subscriptionId.toLowerCase()}`));
    assert.ok(sub, `subscription ${subscriptionId} is in the tree`);
    return child(sub, rg);
}

/** subscription → resource group → collection → restore point → disk restore point. */
async function restorePointRow(r: SeedDiskRestorePoint): Promise<Node> {
    const point = await child(await child(await groupNode(r.subscriptionId, r.resourceGroup), r.restorePointCollection), r.restorePoint);
    const row = await child(point, r.name);
    assert.equal(row.disk?.id.toLowerCase(), r.id.toLowerCase());
    return row;
}

function downloaded(r: SeedDiskRestorePoint, suffix: string): string {
    return path.join(disksDir(), r.name, `${r.name}${suffix}`);
}

async function assertSameBytes(file: string, blob: SeedBlob): Promise<void> {
    assert.ok(fs.existsSync(file), `${path.basename(file)} was downloaded`);
    assert.equal(fs.statSync(file).size, blob.size, `${path.basename(file)}: size`);
    assert.equal(await sha256(file), blob.sha256, `${path.basename(file)} has the blob's content (sha256 of the sandbox's manifest)`);
}


describe('Disk restore points', () => {
    let ui: ScriptedInput;
    let dispose: () => void;

    before(async () => {
        await control().reset({ state: true });
        await vscode.commands.executeCommand(Cmds.Refresh);
    });
    beforeEach(async () => {
        ({ ui, dispose } = await useScriptedInput());
        fs.rmSync(disksDir(), { recursive: true, force: true });
    });
    afterEach(async () => {
        dispose();
        ui.assertDone();
        await control().reset({ state: true });
    });

    it('the tree shows a group\'s restore point collections, their restore points and disk restore points, and says when there are none', async () => {
        const cvm = seedRestorePoint('rpc-vm-cvm-01');
        const secure = await groupNode(cvm.subscriptionId, 'rg-secure');
        const rows = await Promise.all((await children(secure)).map(labelOf));
        assert.deepEqual(rows, ['cvm-os', 'tl-os', 'rpc-vm-cvm-01'], 'disks first, then the collection');
        const collection = await child(secure, 'rpc-vm-cvm-01');
        assert.match(String((await item(collection)).description), /vm-cvm-01/, 'the collection names its VM');
        assert.match(String((await item(collection)).contextValue), /^azureRestorePointCollection;/);
        const point = await child(collection, 'rp-20250601');
        assert.match(String((await item(point)).description), /^2025-06-01 02:00 UTC · 1 disk$/);
        const row = await restorePointRow(cvm);
        const drp = await item(row);
        assert.match(String(drp.contextValue), /^azureDiskRestorePoint;.*;confidential;secure;canGrant;canRevoke;$/);
        assert.equal(drp.description, 'of cvm-os · Confidential');
        assert.match(String(drp.tooltip), /^Disk restore point: cvm-os_/);

        const web = await groupNode(cvm.subscriptionId, 'rg-web');
        const webRows = await Promise.all((await children(web)).map(labelOf));
        assert.deepEqual(webRows.slice(-2), ['rpc-vm-web-01', 'rpc-vm-web-02'], `collections after the disks and snapshots: ${webRows.join(', ')}`);
        assert.deepEqual(await Promise.all((await children(await child(web, 'rpc-vm-web-01'))).map(labelOf)), ['No restore points']);
        const web02 = await child(web, 'rpc-vm-web-02');
        assert.deepEqual(await Promise.all((await children(web02)).map(labelOf)), ['rp-20250701', 'rp-20250601'], 'newest first');
        const creating = await child(web02, 'rp-20250701');
        assert.match(String((await item(creating)).description), /Creating/);
        assert.deepEqual(await Promise.all((await children(creating)).map(labelOf)), ['No disk restore points']);
    });

    it('a confidential VM\'s disk restore point grants three blobs, downloads them byte-exact and revokes', async () => {
        const r = seedRestorePoint('rpc-vm-cvm-01');
        assert.ok(r.blobs.vmgs && r.blobs.vmmd, 'the seed has VM guest state and VM metadata');
        const row = await restorePointRow(r);
        const grant = await grantWithPreset(row, { access: 'Read', durationInSeconds: 3600, getSecureVMGuestStateSAS: true, fileFormat: 'VHD' });
        assert.deepEqual(Object.keys(grant.urls).sort(), ['disk', 'vmgs', 'vmmd'], 'three SAS URIs');
        assert.equal(await control().diskState(r.id), 'ActiveSAS');
        assert.match(String((await item(await restorePointRow(r))).contextValue), /;sas;/, 'the row knows the window holds its access');

        await withSettings({ 'download.revokeAfterDownload': 'never' }, async () => vscode.commands.executeCommand(Cmds.Download, row, { blobs: ['disk', 'vmgs', 'vmmd'] }));
        await poll('the "verified" toast', () => ui.toasts.find((t) => /Downloaded and verified/.test(t.message)), 60_000);
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error').map((t) => t.message), []);
        await assertSameBytes(downloaded(r, '.vhd'), r.blobs.disk);
        await assertSameBytes(downloaded(r, '_vmgs.vhd'), r.blobs.vmgs);
        await assertSameBytes(downloaded(r, '_vmmd.vhd'), r.blobs.vmmd);

        await vscode.commands.executeCommand(Cmds.RevokeAccess, await restorePointRow(r));
        assert.equal(await control().diskState(r.id), 'Unattached', 'Azure ended the access');
        for (const url of Object.values(grant.urls)) {
            const res = await fetch(url!, { headers: { Range: 'bytes=0-511' } });
            await res.arrayBuffer();
            assert.equal(res.status, 403, 'a revoked SAS is refused');
        }
        assert.doesNotMatch(String((await item(await restorePointRow(r))).contextValue), /;sas;/);
    });

    it('Download on a disk restore point asks the grant wizard\'s questions (VHDX offered) and revokes after', async () => {
        const r = seedRestorePoint('rpc-vm-web-02');
        assert.ok(r.blobs.vhdx, 'the seed has the VHDX export');
        ui.script(
            { match: 'How long should the access last', answer: { pick: '1 hour' } },
            { match: 'File format of the disk restore point', answer: { pick: 'VHDX' } },
        );
        const row = await restorePointRow(r);
        await withSettings({ 'download.revokeAfterDownload': 'always' }, async () => vscode.commands.executeCommand(Cmds.Download, row));
        await poll('the "verified" toast', () => ui.toasts.find((t) => /Downloaded and verified/.test(t.message)), 60_000);
        await assertSameBytes(downloaded(r, '.vhdx'), r.blobs.vhdx);
        assert.equal(await control().diskState(r.id), 'Unattached', 'revoked after the download');
    });
});

describe('Upload into an Entra-protected disk', () => {
    let ui: ScriptedInput;
    let dispose: () => void;
    let dir: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-aad-upload-'));
    });
    beforeEach(async () => ({ ui, dispose } = await useScriptedInput()));
    afterEach(async () => {
        dispose();
        ui.assertDone();
        await control().diskDataRole({ granted: true });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('sends the disk data token with every blob request: the image lands byte for byte', async () => {
        const locked = seedDisk('aad-data');
        const name = 'aad-upload';
        const id = `/subscriptions/${locked.subscriptionId}/resourceGroups/${locked.resourceGroup}/providers/Microsoft.Compute/disks/${name}`;
        const { armClientsFor } = await import('../../sandbox/testkit');
        const compute = (await armClientsFor(sandbox().info, locked.tenantId)).compute(locked.subscriptionId);
        // A disk waiting for its upload whose export is protected by Entra ID (Disk_Create_WithDataAccessAuthMode.json + Upload).
        await compute.disks
            .createOrUpdate(locked.resourceGroup, name, { location: 'westeurope', sku: { name: 'Standard_LRS' }, dataAccessAuthMode: 'AzureActiveDirectory', creationData: { createOption: 'Upload', uploadSizeBytes: 20 * MiB + 512 } }, { updateIntervalInMs: 20 })
            .pollUntilDone();
        assert.equal(await control().diskState(id), 'ReadyToUpload');

        const image = path.join(dir, 'aad.img');
        const content = Buffer.alloc(20 * MiB);
        crypto.randomBytes(300 * 1024).copy(content, 3 * MiB);
        crypto.randomBytes(64 * 1024).copy(content, 19 * MiB);
        fs.writeFileSync(image, content);
        const tokensBefore = await diskTokenRequests();
        ui.script({ match: 'Image to upload into aad-upload', answer: { files: [image] } });
        await vscode.commands.executeCommand('azureDisks.uploadToDisk', { disk: { tenantId: locked.tenantId, subscriptionId: locked.subscriptionId, resourceGroup: locked.resourceGroup, name, kind: 'disk', id, location: 'westeurope' } });
        await poll('the "uploaded and verified" toast', () => ui.toasts.find((t) => /Uploaded and verified aad-upload/.test(t.message)), 60_000);
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error').map((t) => t.message), []);
        assert.equal(await control().diskState(id), 'Unattached', 'revoked after the upload');
        assert.ok((await diskTokenRequests()) > tokensBefore, 'the upload\'s blob requests carried a disk data token');

        // Read it back as the data plane allows it: the SAS and a disk token.
        const g = await grantWithPreset({ tenantId: locked.tenantId, subscriptionId: locked.subscriptionId, resourceGroup: locked.resourceGroup, name, kind: 'disk', id }, { access: 'Read', durationInSeconds: 600 });
        const bare = await fetch(g.urls.disk!, { headers: { Range: 'bytes=0-511' } });
        await bare.arrayBuffer();
        assert.equal(bare.status, 401, 'the SAS alone is refused: the disk really is Entra-protected');
        const { accessToken } = await control().token({ tenantId: locked.tenantId, resource: DISK_AUDIENCE });
        const res = await fetch(g.urls.disk!, { headers: { Authorization: `Bearer ${accessToken}`, 'x-ms-version': '2021-08-06' } });
        assert.equal(res.status, 200);
        const blob = Buffer.from(await res.arrayBuffer());
        assert.equal(blob.length, 20 * MiB + 512);
        assert.ok(blob.subarray(0, 20 * MiB).equals(content), 'the disk holds the image, byte for byte');
        await vscode.commands.executeCommand(Cmds.RevokeAccess, { tenantId: locked.tenantId, subscriptionId: locked.subscriptionId, resourceGroup: locked.resourceGroup, name, kind: 'disk', id });
        await compute.disks.delete(locked.resourceGroup, name, { updateIntervalInMs: 20 }).pollUntilDone();
    });
});
