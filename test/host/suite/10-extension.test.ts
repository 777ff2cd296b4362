import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, getApi } from './harness';

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
});
