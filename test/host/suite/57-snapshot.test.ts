/**
 * Snapshots through the real commands against the sandbox: Export a Snapshot Instead from the grant
 * refusal of a running VM's disk (byte-exact download, the VM never stopped, the snapshot revoked
 * and deleted), Create Snapshot… full and incremental, and a failed export leaves no SAS behind.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/shared/types';
import { Cmds, control, findDiskNode, getApi, grantWithPreset, poll, seedDisk, typeTheName } from './harness';
import { disksDir, downloadSuite } from './faultKit';

const CreateSnapshot = 'azureDisks.createSnapshot';

function sha256(buf: Buffer): string {
    return createHash('sha256').update(buf).digest('hex');
}

/** The snapshots created through ARM since the log was cleared: their ids. */
async function createdSnapshots(): Promise<string[]> {
    const log = await control().requestLog();
    return [...new Set(log.arm.recent.filter((r) => r.method === 'PUT' && /\/snapshots\/[^/]+$/i.test(r.path)).map((r) => r.path))];
}

/** Nothing in the ARM log reached a virtual machine (no deallocate, no power-off, no restart). */
async function assertVmUntouched(): Promise<void> {
    const log = await control().requestLog();
    assert.deepEqual(log.arm.recent.filter((r) => /virtualMachines/i.test(r.path)).map((r) => `${r.method} ${r.path}`), [], 'no request touched a VM');
}

/** A resource group's row in the tree, as shown: its description and tooltip. */
async function groupRow(subscriptionId: string, name: string): Promise<vscode.TreeItem> {
    const a = await getApi();
    const tree = a.treeDataProvider as vscode.TreeDataProvider<{ id?: string }>;
    const sub = ((await tree.getChildren()) ?? []).find((n) => n.id?.toLowerCase().includes(`/subscriptions/${subscriptionId.toLowerCase()}`));
    assert.ok(sub, `subscription ${subscriptionId} in the tree`);
    for (const g of (await tree.getChildren(sub)) ?? []) {
        const item = (await tree.getTreeItem(g)) as vscode.TreeItem;
        if (item.label === name) return item;
    }
    throw new Error(`resource group ${name} not in the tree`);
}

describe('Snapshots', () => {
    const ui = downloadSuite({ refresh: true, beforeEach: () => control().clearLog() });

    it('Export a Snapshot Instead: a running VM\'s disk is downloaded byte for byte through an incremental snapshot, the VM never stopped', async () => {
        const seed = seedDisk('web-os-01');
        ui.script(
            { match: /attached to running VM vm-web-01/, answer: { button: 'Export a Snapshot Instead' } },
            { match: /web-os-01 was exported through snapshot .*vm-web-01 kept running/, answer: { button: 'Delete Snapshot' } },
            { match: /Delete the snapshot web-os-01-export-/, answer: typeTheName },
        );
        await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(seed), { silentPanel: true });
        await poll('the delete confirmation', () => ui.prompts.some((p) => /Delete the snapshot web-os-01-export-/.test(p.text)) || undefined, 90_000);
        const [snapPath] = await createdSnapshots();
        assert.ok(snapPath, 'a snapshot was created');
        await poll('the snapshot deleted', async () => (await control().diskState(snapPath).catch(() => undefined)) === undefined || undefined, 30_000);

        const all = fs.readdirSync(disksDir(), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
        const files = all.filter((e) => !/\.partial|\.journal|\.snapshot\.json$/.test(e.name));
        assert.equal(files.length, 1, `one downloaded file (${files.map((f) => f.name).join(', ')})`);
        // Named after the disk and the snapshot's time, in the disk's folder: the snapshot is gone afterwards.
        assert.match(files[0].name, /^web-os-01-\d{8}-\d{4}\.vhd$/);
        assert.equal(path.basename(files[0].parentPath), 'web-os-01');
        const lifetime = ui.toasts.find((t) => /Exporting web-os-01 through snapshot web-os-01-export-/.test(t.message));
        assert.ok(lifetime, `the export says how long its SAS lasts (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        assert.match(lifetime.message, /read access \(SAS\) lasts 10 hours and is revoked as soon as the download ends/);
        assert.equal(lifetime.closed, true, 'the notice closed when the export ended');
        // The incremental snapshot's download leaves its record beside the file, for a later update.
        assert.ok(all.some((e) => e.name === `${files[0].name}.snapshot.json`), 'the record of the snapshot the file holds');
        const data = fs.readFileSync(path.join(files[0].parentPath, files[0].name));
        assert.equal(data.length, seed.blobs.disk.size, 'the file is the whole disk');
        assert.equal(sha256(data), seed.blobs.disk.sha256, 'byte for byte the running disk');
        assert.equal(await control().diskState(seed.id), 'Attached', 'the disk stays attached to the running VM');
        await assertVmUntouched();
        const log = await control().requestLog();
        assert.equal(log.arm.recent.filter((r) => /disks\/web-os-01\/beginGetAccess/i.test(r.path)).length, 0, 'no grant was asked of the running disk itself');
        assert.ok(log.arm.recent.some((r) => r.method === 'POST' && /snapshots\/web-os-01-export-[^/]+\/endGetAccess/i.test(r.path)), 'the snapshot was revoked');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error' && !t.items.includes('Export a Snapshot Instead')), [], 'no error but the refusal that offered the export');
    });

    it('Create Snapshot…: a full one of an unattached disk and an incremental one of a running VM\'s disk, each readable and equal to its disk', async () => {
        for (const [name, kind, incremental] of [['web-data-01', 'Full', false], ['web-os-01', 'Incremental', true]] as const) {
            const seed = seedDisk(name);
            const snapName = `${name}-manual`;
            ui.script({ match: /Name of the snapshot of/, answer: { input: snapName } }, { match: 'Kind of snapshot', answer: { pick: kind } });
            const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CreateSnapshot, await findDiskNode(seed));
            assert.ok(made, `${kind} snapshot made`);
            assert.equal(made.kind, 'snapshot');
            assert.equal(made.name, snapName);
            assert.equal(made.incremental, incremental, 'the kind asked for');
            await poll('the "created" toast', () => ui.toasts.find((t) => new RegExp(`Created ${kind.toLowerCase()} snapshot ${snapName}`).test(t.message)));
            const g = await grantWithPreset(made, { access: 'Read', durationInSeconds: 3600, fileFormat: 'VHD' });
            const res = await fetch(g.urls.disk!);
            assert.equal(res.status, 200);
            assert.equal(sha256(Buffer.from(await res.arrayBuffer())), seed.blobs.disk.sha256, `${kind} snapshot holds the disk's data`);
            await vscode.commands.executeCommand(Cmds.RevokeAccess, made);
        }
        assert.equal(await control().diskState(seedDisk('web-os-01').id), 'Attached');
        await assertVmUntouched();
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('Safety: the offer to delete an export\'s snapshot is a modal, which stays until answered', async () => {
        const seed = seedDisk('web-os-01');
        ui.script(
            { match: /attached to running VM vm-web-01/, answer: { button: 'Export a Snapshot Instead' } },
            { match: /web-os-01 was exported through snapshot .*vm-web-01 kept running/, answer: { button: 'Keep' } },
        );
        await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(seed), { silentPanel: true });
        const offer = await poll('the offer to delete the snapshot', () => ui.prompts.find((p) => /web-os-01 was exported through snapshot/.test(p.text)), 90_000);
        assert.equal(offer.modal, true, 'a modal: it does not hide into the notification center');
        assert.deepEqual(offer.detail, ['Delete Snapshot', 'Keep']);
        const [snapPath] = await createdSnapshots();
        await poll('Keep answered', async () => !/temporary/.test(String((await groupRow(seed.subscriptionId, seed.resourceGroup)).description)) || undefined);
        assert.equal(await control().diskState(snapPath), 'Unattached', 'kept, as answered');
    });

    it('Safety: an export\'s snapshot nobody answered for is listed as temporary, and asked about when the window opens again until answered', async () => {
        const seed = seedDisk('web-os-01');
        ui.script(
            { match: /attached to running VM vm-web-01/, answer: { button: 'Export a Snapshot Instead' } },
            { match: /web-os-01 was exported through snapshot .*vm-web-01 kept running/, answer: 'dismiss' },
        );
        await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(seed), { silentPanel: true });
        await poll('the offer to delete the snapshot', () => ui.prompts.find((p) => /web-os-01 was exported through snapshot/.test(p.text)), 90_000);
        const [snapPath] = await createdSnapshots();
        assert.ok(snapPath, 'a snapshot was created');
        const snapName = snapPath.split('/').pop()!;
        assert.equal(await control().diskState(snapPath), 'Unattached', 'kept: nobody said to delete it');

        const snapRow = async () => ((await getApi()).treeDataProvider.getTreeItem(await findDiskNode({ ...seed, kind: 'snapshot', name: snapName, id: snapPath })) as vscode.TreeItem);
        await poll('the group row saying it', async () => /· 1 temporary snapshot$/.test(String((await groupRow(seed.subscriptionId, seed.resourceGroup)).description)) || undefined);
        assert.match(String((await groupRow(seed.subscriptionId, seed.resourceGroup)).tooltip), new RegExp(`Made by Export a Snapshot.*${snapName}.*billed`));
        assert.match(String((await snapRow()).description), /^Temporary snapshot · /);
        assert.match(String((await snapRow()).tooltip), /made on .* to export web-os-01, and nobody said to keep it/);

        // The window opens again: asked once more; Keep is an answer, so it is no longer listed.
        ui.script({ match: new RegExp(`Snapshot ${snapName}, made on .* to export web-os-01, is still there`), answer: { button: 'Keep' } });
        (await getApi()).testing.reopenWindow();
        await poll('the group row without it', async () => !/temporary/.test(String((await groupRow(seed.subscriptionId, seed.resourceGroup)).description)) || undefined);
        assert.doesNotMatch(String((await snapRow()).description), /Temporary/);
        assert.equal(await control().diskState(snapPath), 'Unattached', 'kept, as answered');
    });

    it('a failed export download leaves the snapshot without SAS and offers to delete it', async () => {
        const seed = seedDisk('web-os-01');
        // Every ranged read of the snapshot's blob is refused: the download fails for good.
        await control().storageFault({ method: 'GET', rangedOnly: true, count: 1000, action: 'status', status: 404 });
        ui.script(
            { match: /attached to running VM vm-web-01/, answer: { button: 'Export a Snapshot Instead' } },
            { match: /The export of web-os-01 did not finish/, answer: { button: 'Keep' } },
        );
        let snapPath: string | undefined;
        try {
            await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(seed), { silentPanel: true });
            await poll('the offer to delete the snapshot', () => ui.prompts.some((p) => /The export of web-os-01 did not finish/.test(p.text)) || undefined, 90_000);
            [snapPath] = await createdSnapshots();
            await assertVmUntouched();
        } finally {
            await control().reset({});
        }
        assert.ok(snapPath, 'a snapshot was created');
        assert.equal(await control().diskState(snapPath), 'Unattached', 'the snapshot kept, its SAS revoked (not ActiveSAS)');
        assert.equal(await control().diskState(seed.id), 'Attached');
        assert.ok(ui.toasts.some((t) => t.kind === 'error' && /web-os-01-export-/.test(t.message)), `the failure is shown (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
    });
});
