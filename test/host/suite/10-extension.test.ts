import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, getApi, poll } from './harness';

describe('Extension', () => {
    it('activates from the installed VSIX and returns its API', async () => {
        const api = await getApi();
        const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
        assert.equal(ext.isActive, true);
        assert.match(ext.extensionPath, /azure-disks-tools\.azure-managed-disks-\d/, 'runs the installed VSIX, not a source folder');
        assert.equal(api.apiVersion, 1);
        assert.equal(typeof api.setUserInput, 'function');
        assert.equal(typeof api.onDidSendTelemetry, 'function');
        assert.ok(api.treeDataProvider, 'treeDataProvider');
    });

    it('registers every command it contributes', async () => {
        await getApi();
        const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
        const contributed = ((ext.packageJSON.contributes?.commands ?? []) as { command: string }[]).map((c) => c.command);
        const expected = ['signIn', 'selectSubscriptions', 'refresh', 'grantAccess', 'revokeAccess', 'download', 'showAccess', 'copySasUri', 'showLog'].map((c) => `azureDisks.${c}`);
        for (const id of expected) {
            assert.ok(contributed.includes(id), `${id} is contributed in package.json`);
        }
        const registered = new Set(await vscode.commands.getCommands(true));
        const missing = contributed.filter((id) => !registered.has(id));
        assert.deepEqual(missing, [], 'contributed but not registered');
    });

    it('Open Settings shows the extension\'s settings; the walkthrough leads from sign-in through browse, upload and copy to revoke', async () => {
        await vscode.commands.executeCommand('azureDisks.openSettings');
        const activeTab = () => vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '';
        const label = await poll('the Settings editor to open', () => (/settings/i.test(activeTab()) ? activeTab() : undefined), 10_000);
        assert.match(label, /settings/i, `the Settings editor is open (active tab: "${label}")`);
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

        const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
        const json = ext.packageJSON as { contributes: { walkthroughs?: { steps: { id: string; media: { markdown?: string }; completionEvents?: string[] }[] }[]; commands: { command: string }[]; menus: Record<string, { command: string }[]> } };
        const steps = json.contributes.walkthroughs?.[0]?.steps ?? [];
        assert.deepEqual(steps.map((s) => s.id), ['signIn', 'findDisk', 'grant', 'download', 'browse', 'upload', 'copy', 'revoke']);
        const fs = await import('node:fs');
        const path = await import('node:path');
        for (const step of steps) {
            assert.ok(step.media.markdown && fs.existsSync(path.join(ext.extensionPath, step.media.markdown)), `step ${step.id}: its page ships in the VSIX`);
        }
        assert.ok(json.contributes.menus['view/title'].some((m) => m.command === 'azureDisks.openSettings'), 'Open Settings is in the view\'s menu');
        // The Extensions view shows this icon instead of the generic one.
        const icon = (ext.packageJSON as { icon?: string }).icon;
        assert.ok(icon && fs.existsSync(path.join(ext.extensionPath, icon)), `the icon ${icon} ships in the VSIX`);
        assert.deepEqual([...fs.readFileSync(path.join(ext.extensionPath, icon)).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the icon is a PNG');
    });
});
