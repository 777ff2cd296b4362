/**
 * The Getting Started walkthrough: each step is ticked by a context key the extension sets when
 * the action really succeeded (from the tree here, not from the walkthrough), kept in globalState
 * so it holds after a reload; a failed action ticks nothing.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Cmds, control, copyTargetSteps, EXTENSION_ID, findDiskNode, getApi, grantWithPreset, poll, scriptedSuite, seedDisk } from './harness';

const MiB = 1024 * 1024;
const STEPS = ['signIn', 'grant', 'download', 'browse', 'upload', 'copy', 'revoke'];

interface WalkthroughStepJson {
    id: string;
    description: string;
    media: { markdown?: string };
    completionEvents: string[];
}

describe('Walkthrough', () => {
    const ui = scriptedSuite({ refresh: true });
    const readGrant = [
        { match: 'Access level', optional: true, answer: { pick: 'Read' } },
        { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } },
    ] as const;

    it('ticks each step on a context key, covers browse, upload and copy, and its view step reveals the view', async () => {
        const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
        const steps = ext.packageJSON.contributes.walkthroughs[0].steps as WalkthroughStepJson[];
        assert.deepEqual(steps.map((s) => s.id), ['signIn', 'findDisk', 'grant', 'download', 'browse', 'upload', 'copy', 'revoke']);
        for (const s of steps) {
            assert.ok(!s.completionEvents.some((e) => e.startsWith('onCommand:')), `${s.id}: a command run from the tree does not tick onCommand`);
            if (STEPS.includes(s.id)) assert.ok(s.completionEvents.includes(`onContext:azureDisks.walkthrough.${s.id}Done`), `${s.id}: ${JSON.stringify(s.completionEvents)}`);
            assert.ok(fs.existsSync(path.join(ext.extensionPath, s.media.markdown!)), `${s.id}: its page is packed`);
        }
        const nls = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
        assert.match(nls['azureDisks.walkthrough.findDisk.description'], /\(command:azureDisks\.disks\.focus\)/);
        await vscode.commands.executeCommand('azureDisks.disks.focus');
    });

    it('records sign-in, grant, download, browse, upload, copy and revoke when each succeeds, and nothing for a refused action', async () => {
        const api = await getApi();
        await api.testing.resetWalkthrough();
        // The view may load again at any time (and record the sign-in at once): the others start undone.
        assert.deepEqual(api.testing.walkthroughDone().filter((s) => s !== 'signIn'), []);
        const done = (step: string) => poll(`the ${step} step`, () => api.testing.walkthroughDone().includes(step) || undefined, 10_000);

        // Signed in (getApi): the view's next load says so, whether or not anyone looks at it.
        await vscode.commands.executeCommand(Cmds.Refresh);
        await api.treeDataProvider.getChildren(undefined);
        await done('signIn');

        // Refused: a running VM's disk.
        await vscode.commands.executeCommand(Cmds.GrantAccess, await findDiskNode(seedDisk('web-os-01')), { preset: { access: 'Read', durationInSeconds: 3600 }, silentPanel: true });
        assert.ok(!api.testing.walkthroughDone().includes('grant'), 'a refused grant ticks nothing');

        const logs = seedDisk('web-logs');
        const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
        fs.rmSync(path.join(folder, 'disks', 'web-logs'), { recursive: true, force: true });
        await grantWithPreset(await findDiskNode(logs), { access: 'Read', durationInSeconds: 3600 });
        await done('grant');
        await vscode.commands.executeCommand(Cmds.Download, await findDiskNode(logs));
        await done('download');
        await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(logs));
        await done('revoke');

        const ubuntu = seedDisk('ubuntu-os');
        ui.script(...readGrant);
        const root = await vscode.commands.executeCommand<string>('azureDisks.browseContents', await findDiskNode(ubuntu), { addToWorkspace: false });
        assert.ok(root, 'browsed');
        await done('browse');
        await vscode.commands.executeCommand('azureDisks.closeDiskContents', vscode.Uri.parse(root));
        ui.script({ match: 'Revoke access to ubuntu-os', optional: true, answer: { button: 'Revoke' } });
        await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(ubuntu));

        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amd-walkthrough-'));
        try {
            const img = path.join(dir, 'walk.img');
            fs.writeFileSync(img, Buffer.alloc(0));
            fs.truncateSync(img, 21 * MiB);
            fs.writeFileSync(img, crypto.randomBytes(64 * 1024), { flag: 'r+' });
            const s = seedDisk('big-data');
            ui.script(
                { match: 'Image to upload', answer: { files: [img] } },
                { match: 'Name of the new disk', answer: { input: 'walkthrough-upload' } },
                { match: 'Region of the new disk', answer: { pick: 'westeurope' } },
                { match: 'Disk type', answer: { pick: 'Standard HDD (LRS)' } },
                { match: 'Operating system', answer: { pick: 'None (a data disk)' } },
            );
            await vscode.commands.executeCommand('azureDisks.createDiskFromImage', { rg: { tenantId: s.tenantId, subscriptionId: s.subscriptionId, name: s.resourceGroup, location: 'westeurope' } });
            await done('upload');
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }

        ui.script(...copyTargetSteps(logs.subscriptionId, 'rg-secure', 'walkthrough-copy'));
        await vscode.commands.executeCommand('azureDisks.copyTo', await findDiskNode(logs));
        await done('copy');

        assert.deepEqual([...api.testing.walkthroughDone()].sort(), [...STEPS].sort());
        assert.equal(await control().diskState(logs.id), 'Unattached');
        fs.rmSync(path.join(folder, 'disks', 'web-logs'), { recursive: true, force: true });
    });
});
