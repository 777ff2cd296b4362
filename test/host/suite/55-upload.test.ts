/**
 * Create Disk from Image… through the real commands against the sandbox: a standard disk from a raw
 * image, a confidential one with VM guest state and VM metadata, cancel then Upload Again, and a
 * failure that leaves the disk in ActiveUpload with the offer to delete it.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Cmds, control, getApi, grantWithPreset, poll, seedDisk, useScriptedInput } from './harness';
import type { ScriptedInput, Step } from './scriptedInput';

const MiB = 1024 * 1024;
const CreateDiskFromImage = 'azureDisks.createDiskFromImage';
const UploadToDisk = 'azureDisks.uploadToDisk';

/** A raw image of `size` bytes with random data at a few offsets (holes elsewhere), and its content padded to whole MiB. */
function rawImage(dir: string, name: string, size: number, at: number[]): { file: string; padded: Buffer } {
    const file = path.join(dir, name);
    const padded = Buffer.alloc(Math.ceil(size / MiB) * MiB);
    const fd = fs.openSync(file, 'w');
    try {
        fs.ftruncateSync(fd, size);
        for (const off of at) {
            const data = crypto.randomBytes(Math.min(256 * 1024, size - off));
            fs.writeSync(fd, data, 0, data.length, off);
            data.copy(padded, off);
        }
    } finally {
        fs.closeSync(fd);
    }
    return { file, padded };
}

/** A resource group node as the tree hands it to commands, for the group a seeded disk is in. */
function rgOf(seedName: string, location: string) {
    const s = seedDisk(seedName);
    return { rg: { tenantId: s.tenantId, subscriptionId: s.subscriptionId, name: s.resourceGroup, location } };
}

function diskId(rg: { rg: { subscriptionId: string; name: string } }, name: string): string {
    return `/subscriptions/${rg.rg.subscriptionId}/resourceGroups/${rg.rg.name}/providers/Microsoft.Compute/disks/${name}`;
}

function wizard(image: string, name: string, location: string, extra: Step[] = []): Step[] {
    return [
        { match: 'Image to upload', answer: { files: [image] } },
        { match: 'Name of the new disk', answer: { input: name } },
        { match: 'Region of the new disk', answer: { pick: location } },
        { match: 'Disk type', answer: { pick: 'Standard HDD (LRS)' } },
        ...extra,
    ];
}

/** The blob behind a Read grant, whole. */
async function readBack(id: string, name: string, rg: { rg: { tenantId: string; subscriptionId: string; name: string } }, guestState = false): Promise<Record<string, Buffer>> {
    const ref = { tenantId: rg.rg.tenantId, subscriptionId: rg.rg.subscriptionId, resourceGroup: rg.rg.name, name, kind: 'disk' as const, id };
    const g = await grantWithPreset(ref, { access: 'Read', durationInSeconds: 3600, getSecureVMGuestStateSAS: guestState || undefined });
    const out: Record<string, Buffer> = {};
    for (const [k, url] of Object.entries(g.urls)) {
        const res = await fetch(url!);
        assert.equal(res.status, 200, `read back ${k}`);
        out[k] = Buffer.from(await res.arrayBuffer());
    }
    await vscode.commands.executeCommand(Cmds.RevokeAccess, ref);
    return out;
}

function assertFixedFooter(blob: Buffer, dataSize: number): void {
    assert.equal(blob.length, dataSize + 512, 'blob = data + footer');
    const f = blob.subarray(dataSize);
    assert.equal(f.toString('latin1', 0, 8), 'conectix');
    assert.equal(f.readUInt32BE(60), 2, 'fixed disk type');
    assert.equal(Number(f.readBigUInt64BE(48)), dataSize, 'current size');
}

describe('Create Disk from Image…', () => {
    let ui: ScriptedInput;
    let dispose: () => void;
    let dir: string;

    before(async () => {
        await getApi();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-upload-'));
    });
    beforeEach(async () => ({ ui, dispose } = await useScriptedInput()));
    afterEach(() => {
        dispose();
        ui.assertDone();
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a raw image of an odd size becomes an Unattached disk whose blob is the image padded to a MiB plus a fixed footer', async () => {
        const img = rawImage(dir, 'web-image.img', 24 * MiB + 1000, [0, 5 * MiB + 4096, 24 * MiB]);
        const rg = rgOf('big-data', 'westeurope');
        ui.script(...wizard(img.file, 'uploaded-std', 'westeurope'), { match: 'Operating system', answer: { pick: 'None (a data disk)' } });
        await vscode.commands.executeCommand(CreateDiskFromImage, rg);
        const id = diskId(rg, 'uploaded-std');
        assert.equal(await control().diskState(id), 'Unattached', 'revoked after the upload: usable');
        await poll('the "uploaded and verified" toast', () => ui.toasts.find((t) => /Uploaded and verified uploaded-std/.test(t.message)));
        const { disk } = await readBack(id, 'uploaded-std', rg);
        assertFixedFooter(disk, 25 * MiB);
        assert.ok(disk.subarray(0, 25 * MiB).equals(img.padded), 'the disk holds the image, byte for byte');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('a confidential VM disk is created with UploadPreparedSecure and gets its VM guest state and VM metadata', async () => {
        const img = rawImage(dir, 'cvm.img', 32 * MiB, [MiB, 20 * MiB]);
        const vmgs = rawImage(dir, 'cvm.vmgs', 4 * MiB, [0, 2 * MiB]);
        const vmmd = rawImage(dir, 'cvm.vmmd', MiB, [0]);
        const rg = rgOf('cvm-os', 'eastus');
        ui.script(
            ...wizard(img.file, 'uploaded-cvm', 'eastus', [
                { match: 'Operating system', answer: { pick: 'Windows' } },
                { match: 'Hyper-V generation', answer: { pick: 'Generation 2 (UEFI)' } },
                { match: 'Security type', answer: { pick: 'Confidential VM, disk encrypted with a platform key' } },
                { match: 'VM guest state (VMGS) file', answer: { files: [vmgs.file] } },
                { match: 'Upload a VM metadata (VMMD) file too', answer: { pick: 'Yes, choose the VM metadata file…' } },
                { match: 'VM metadata (VMMD) file', answer: { files: [vmmd.file] } },
            ]),
        );
        await vscode.commands.executeCommand(CreateDiskFromImage, rg);
        const id = diskId(rg, 'uploaded-cvm');
        assert.equal(await control().diskState(id), 'Unattached');
        const blobs = await readBack(id, 'uploaded-cvm', rg, true);
        assert.deepEqual(Object.keys(blobs).sort(), ['disk', 'vmgs', 'vmmd']);
        assert.ok(blobs.disk.subarray(0, 32 * MiB).equals(img.padded), 'disk content');
        assert.ok(blobs.vmgs.subarray(0, 4 * MiB).equals(vmgs.padded), 'VM guest state content');
        assert.ok(blobs.vmmd.subarray(0, MiB).equals(vmmd.padded), 'VM metadata content');
    });

    it('a bad image is refused in plain words before anything is created in Azure, back at the image step where it was', async () => {
        const bad = path.join(dir, 'broken.vhd');
        fs.writeFileSync(bad, Buffer.alloc(3 * MiB, 1));
        await control().clearLog();
        ui.script(
            { match: 'Image to upload', answer: { files: [bad] } },
            // The image step again (not the end of the wizard), with the reason, in the folder of the refused image.
            { match: /broken\.vhd is not a valid VHD.* — Image to upload/, answer: 'cancel' },
        );
        await vscode.commands.executeCommand(CreateDiskFromImage, rgOf('big-data', 'westeurope'));
        const err = await poll('the error toast', () => ui.toasts.find((t) => t.kind === 'error'));
        assert.match(err.message, /broken\.vhd is not a valid VHD: its footer cookie is not 'conectix'/);
        const dialogs = ui.prompts.filter((p) => p.kind === 'dialog');
        assert.equal(dialogs.length, 2);
        assert.equal(dialogs[1].folder, dir, 'the dialog opens where the last image was');
        // The next run starts there too: the folder is remembered.
        ui.script({ match: 'Image to upload', answer: 'cancel' });
        await vscode.commands.executeCommand(CreateDiskFromImage, rgOf('big-data', 'westeurope'));
        assert.equal(ui.prompts.filter((p) => p.kind === 'dialog')[2].folder, dir);
        const log = await control().requestLog();
        assert.equal(log.arm.recent.filter((r) => r.method === 'PUT').length, 0, 'no disk was created');
    });

    it('a failed upload leaves the disk in ActiveUpload, says so, and Upload Again finishes it, saying it resumed', async () => {
        const img = rawImage(dir, 'retry.img', 24 * MiB, [0, 4 * MiB, 8 * MiB, 12 * MiB, 16 * MiB, 20 * MiB]);
        const rg = rgOf('big-data', 'westeurope');
        const id = diskId(rg, 'uploaded-retry');
        // The six data windows' Put Page requests go through (the journal keeps them); the footer,
        // sent last, is refused with an error the engine does not retry.
        await control().storageFault({ blob: 'md-.*', method: 'PUT', action: 'delay', delayMs: 1, count: 6 });
        await control().storageFault({ blob: 'md-.*', method: 'PUT', action: 'status', status: 400, code: 'InvalidInput', message: 'One of the request inputs is not valid.', count: 1000 });
        try {
            ui.script(...wizard(img.file, 'uploaded-retry', 'westeurope'), { match: 'Operating system', answer: { pick: 'None (a data disk)' } });
            await vscode.commands.executeCommand(CreateDiskFromImage, rg);
        } finally {
            await control().reset();
        }
        const warn = await poll('the warning', () => ui.toasts.find((t) => t.kind === 'warning' && /ActiveUpload/.test(t.message)));
        assert.match(warn.message, /upload of uploaded-retry stopped: .*Upload Again continues where it stopped, or delete the disk/);
        assert.deepEqual(warn.items, ['Upload Again', 'Delete Disk']);
        assert.equal(await control().diskState(id), 'ActiveUpload', 'not revoked behind the user\'s back: that would end the upload');
        const rgNode = rg.rg;
        await vscode.commands.executeCommand(UploadToDisk, { disk: { ...rgNode, resourceGroup: rgNode.name, name: 'uploaded-retry', kind: 'disk', id, location: 'westeurope' } });
        assert.equal(await control().diskState(id), 'Unattached');
        const done = await poll('the "uploaded" toast', () => ui.toasts.find((t) => /Uploaded and verified uploaded-retry/.test(t.message)));
        assert.match(done.message, /Resumed: \d+(\.\d+)? (KiB|MiB) were already there\./, 'the resumed upload says so');
        const { disk } = await readBack(id, 'uploaded-retry', rg);
        assert.ok(disk.subarray(0, 24 * MiB).equals(img.padded));
    });
});
