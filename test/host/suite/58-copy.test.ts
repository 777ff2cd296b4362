/**
 * Copy to… through the real command against the sandbox: a confidential VM's disk copied with all
 * three blobs and read back byte for byte, and an injected failure that leaves neither disk with an
 * outstanding SAS.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/shared/types';
import { Cmds, control, findDiskNode, grantWithPreset, poll, scriptedSuite, seedDisk, copyTargetSteps } from './harness';

const CopyTo = 'azureDisks.copyTo';


describe('Copy to…', () => {
    const ui = scriptedSuite({ refresh: true });

    it('a confidential VM disk is copied with disk, VM guest state and VM metadata, byte for byte, server-side, and both disks end without SAS', async () => {
        const seed = seedDisk('cvm-os');
        const first = ui.prompts.length;
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-secure', 'cvm-os-copy'));
        const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CopyTo, await findDiskNode(seed));
        assert.ok(made, `the new disk (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        // One wizard: the group and the name share its title and count, and the name step has Back.
        const asked = ui.prompts.slice(first).filter((p) => p.kind === 'pick' || p.kind === 'input');
        const name = asked.find((p) => /Name of the new disk/.test(p.text))!;
        assert.ok(asked.every((p) => p.text.startsWith('Copy cvm-os to…')), `one title: ${asked.map((p) => p.text).join(' / ')}`);
        assert.ok(name.step! > 1 && name.step === name.totalSteps, `the name is the last step, after the group: ${name.step}/${name.totalSteps}`);
        assert.equal(made.name, 'cvm-os-copy');
        assert.equal(made.securityType, seed.securityType ?? 'ConfidentialVM_DiskEncryptedWithPlatformKey', 'the security type follows the source');
        assert.equal(await control().diskState(made.id), 'Unattached', 'target revoked: usable');
        assert.equal(await control().diskState(seed.id), 'Reserved', 'source revoked');
        await poll('the "copied" toast', () => ui.toasts.find((t) => /Copied and verified cvm-os to cvm-os-copy .*Disk, VM guest state, VM metadata, server-side/.test(t.message)));
        const g = await grantWithPreset(made, { access: 'Read', durationInSeconds: 3600, getSecureVMGuestStateSAS: true });
        assert.deepEqual(Object.keys(g.urls).sort(), ['disk', 'vmgs', 'vmmd']);
        for (const b of ['disk', 'vmgs', 'vmmd'] as const) {
            const res = await fetch(g.urls[b]!);
            assert.equal(res.status, 200);
            const data = Buffer.from(await res.arrayBuffer());
            assert.equal(createHash('sha256').update(data).digest('hex'), seed.blobs[b]!.sha256, `${b} byte for byte`);
        }
        await vscode.commands.executeCommand(Cmds.RevokeAccess, made);
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('a failure mid-copy revokes the source, says the target is left in ActiveUpload, and Delete Disk removes it', async () => {
        const seed = seedDisk('tl-os');
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-secure', 'tl-os-copy'), { match: /The copy of tl-os into tl-os-copy stopped: .*ActiveUpload/, answer: { button: 'Delete Disk' } }, { match: /Delete the disk tl-os-copy/, answer: { input: 'tl-os-copy' } });
        // Every page write is refused with an error not worth retrying.
        await control().storageFault({ method: 'PUT', count: 1000, action: 'status', status: 400, code: 'InvalidHeaderValue' });
        try {
            await vscode.commands.executeCommand(CopyTo, await findDiskNode(seed));
        } finally {
            await control().reset({});
        }
        const id = seed.id.replace(/\/disks\/tl-os$/, '/disks/tl-os-copy');
        assert.equal(await control().diskState(seed.id), 'Unattached', 'source revoked');
        assert.ok(ui.toasts.some((t) => t.kind === 'warning' && /stopped/.test(t.message)), 'the failure is shown');
        await poll('the incomplete copy deleted', async () => (await control().diskState(id).catch(() => 'gone')) === 'gone' || undefined, 30_000);
    });
});
