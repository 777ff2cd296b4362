import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Cmds, control, findDiskNode, grantWithPreset, headSize, pickDiskSteps, poll, seedDisk, useScriptedInput, withoutQuery } from './harness';
import type { ScriptedInput } from './scriptedInput';
import type { Grant } from '../../../src/shared/types';

const HOUR = { access: 'Read', durationInSeconds: 3600 } as const;

function accessTabs(name: string): vscode.Tab[] {
    return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.label.includes(name));
}

describe('Show Access, Copy SAS URI…, Revoke Access', () => {
    let ui: ScriptedInput;
    let dispose: () => void;
    let grant: Grant;
    const seed = () => seedDisk('web-logs');

    before(async () => {
        await control().reset({ state: true });
        const { ui: u, dispose: d } = await useScriptedInput();
        try {
            await vscode.commands.executeCommand(Cmds.Refresh);
            grant = await grantWithPreset(await findDiskNode(seed()), HOUR);
            u.assertDone();
        } finally {
            d();
        }
    });
    beforeEach(async () => {
        ({ ui, dispose } = await useScriptedInput());
    });
    afterEach(() => {
        dispose();
        ui.assertDone();
    });

    it('Show Access from the tree row opens the access panel of that disk', async () => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand(Cmds.ShowAccess, await findDiskNode(seed()));
        await poll('the access panel tab', () => accessTabs(seed().name).length > 0 || undefined);
    });

    it('Show Access from the palette picks among disks with a live grant', async () => {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        ui.script(...pickDiskSteps(seed()));
        await vscode.commands.executeCommand(Cmds.ShowAccess);
        await poll('the access panel tab', () => accessTabs(seed().name).length > 0 || undefined);
    });

    it('Copy SAS URI from the tree row puts the real URL on the clipboard, and says so without it', async () => {
        await vscode.env.clipboard.writeText('before');
        await vscode.commands.executeCommand(Cmds.CopySasUri, await findDiskNode(seed()));
        const copied = await vscode.env.clipboard.readText();
        // Compared without printing: the URL is a secret.
        assert.ok(copied === grant.urls.disk, `clipboard holds the grant's URL (it holds ${withoutQuery(copied)}…)`);
        assert.equal(await headSize(copied), seed().blobs.disk.size);
        const info = ui.toasts.find((t) => t.kind === 'info' && /Copied/.test(t.message));
        assert.ok(info, 'a confirmation toast');
        assert.doesNotMatch(info.message, /sig=/);
    });

    it('Copy SAS URI from the palette asks which blob of a confidential disk', async () => {
        const cvm = seedDisk('cvm-os');
        const g = await grantWithPreset(await findDiskNode(cvm), { ...HOUR, getSecureVMGuestStateSAS: true });
        ui.script(...pickDiskSteps(cvm), { match: 'Copy which SAS URI', answer: { pickWhere: (i) => /metadata|VMMD/i.test(i.label), what: 'the VM metadata blob' } });
        await vscode.commands.executeCommand(Cmds.CopySasUri);
        const copied = await vscode.env.clipboard.readText();
        assert.ok(copied === g.urls.vmmd, `clipboard holds the VMMD URL (it holds ${withoutQuery(copied)}…)`);
    });

    it('Revoke Access from the tree row ends the grant: the disk is Unattached again and the URL stops working', async () => {
        const node = await findDiskNode(seed());
        ui.script({ match: /revoke/i, optional: true, answer: { button: 'Revoke' } });
        await vscode.commands.executeCommand(Cmds.RevokeAccess, node);
        assert.equal(await control().diskState(seed().id), 'Unattached');
        assert.equal((await findDiskNode(seed())).disk.diskState, 'Unattached', 'the tree shows the new state');
        const res = await fetch(grant.urls.disk!, { method: 'HEAD' });
        assert.equal(res.status, 403, 'the revoked SAS is refused');
    });

    it('Revoke Access from the palette offers the disks with access now first: granted here, then found in ActiveSAS', async () => {
        const cvm = seedDisk('cvm-os');
        const exported = seedDisk('web-exported');
        await findDiskNode(exported); // the tree has loaded it, in ActiveSAS
        assert.equal(await control().diskState(cvm.id), 'ActiveSAS');
        const first = ui.prompts.length;
        ui.script({ match: 'Select a disk or snapshot to revoke access to', answer: { pick: 'cvm-os' } }, { match: /revoke/i, optional: true, answer: { button: 'Revoke' } });
        await vscode.commands.executeCommand(Cmds.RevokeAccess);
        const list = ui.prompts[first];
        assert.equal(list.kind, 'pick', `the first prompt is the list of disks with access: ${list.text}`);
        const labels = list.detail ?? [];
        assert.ok(labels.indexOf('cvm-os') >= 0 && labels.indexOf('cvm-os') < labels.indexOf('web-exported'), `this window's grant, then the one found: [${labels.join(', ')}]`);
        assert.match(list.descriptions![labels.indexOf('cvm-os')] ?? '', /granted in this window/);
        assert.match(list.descriptions![labels.indexOf('web-exported')] ?? '', /granted elsewhere/);
        assert.equal(labels[labels.length - 1], 'Browse subscriptions…');
        assert.equal(await control().diskState(cvm.id), 'Reserved');
        assert.equal((await findDiskNode(cvm)).disk.diskState, 'Reserved');
    });

    it('Revoke of a SAS this window did not grant asks first, naming what may be using it', async () => {
        const exported = seedDisk('web-exported');
        const node = await findDiskNode(exported);
        ui.script({ match: /did not grant this access.*AzCopy/, answer: 'dismiss' });
        await vscode.commands.executeCommand(Cmds.RevokeAccess, node);
        assert.equal(await control().diskState(exported.id), 'ActiveSAS', 'dismissing the question keeps the access');
        ui.script({ match: /did not grant this access/, answer: { button: 'Revoke' } });
        await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(exported));
        assert.equal(await control().diskState(exported.id), 'Unattached');
    });

    it('a revoked disk\'s tab says so, and closes when another disk\'s access is granted; tabs with live access stay', async () => {
        const a = seedDisk('web-logs');
        const b = seedDisk('web-data-01');
        const revoke = async (d: typeof a) => {
            ui.script({ match: /revoke/i, optional: true, answer: { button: 'Revoke' } });
            await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(d));
        };
        const labels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview).map((t) => t.label).sort();
        // Run alone, web-logs still has the access granted before the suite.
        for (const d of [a, b]) if ((await control().diskState(d.id)) === 'ActiveSAS') await revoke(d);
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(a), { preset: HOUR });
        await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(b), { preset: HOUR });
        await poll('both tabs', () => (labels().length === 2 ? true : undefined));
        assert.deepEqual(labels(), ['Access: web-data-01', 'Access: web-logs'], 'a tab with live access stays when another opens');
        await revoke(a);
        await poll('the revoked tab saying so', () => (labels().includes('Access revoked: web-logs') ? true : undefined));
        await revoke(b);
        await poll('the second revoked tab', () => (labels().includes('Access revoked: web-data-01') ? true : undefined));
        // Granting web-logs again: its own tab is reused, the other revoked one gives way.
        await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(a), { preset: HOUR });
        await poll('one tab left', () => (labels().length === 1 ? true : undefined), 10_000).catch(() => undefined);
        assert.deepEqual(labels(), ['Access: web-logs']);
        await revoke(a);
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });
});
