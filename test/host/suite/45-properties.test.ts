import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { control, findDiskNode, grantWithPreset, scriptedSuite, seedDisk } from './harness';

const ShowProperties = 'azureDisks.showProperties';

/** The open properties editor of `name`, once it shows. */
function propertiesEditor(name: string): vscode.TextEditor | undefined {
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'azure-disks-properties' && e.document.uri.path === `/${name}.json`);
}

describe('Show Properties', () => {
    // No prompt is scripted: one that shows fails the test.
    scriptedSuite({ afterEach: () => vscode.commands.executeCommand('workbench.action.closeAllEditors') });

    it('opens the ARM JSON of an Entra-protected disk, read-only and as JSON', async () => {
        const seed = seedDisk('aad-data');
        const node = await findDiskNode(seed);
        await vscode.commands.executeCommand(ShowProperties, node);
        const editor = propertiesEditor(seed.name);
        assert.ok(editor, 'the properties editor is open');
        assert.equal(editor.document.languageId, 'json');
        const json = JSON.parse(editor.document.getText());
        assert.equal(json.id.toLowerCase(), seed.id.toLowerCase());
        assert.equal(json.properties.dataAccessAuthMode, 'AzureActiveDirectory', 'the properties are nested as ARM sends them');
        // A content provider's document cannot be saved over: editing it is refused by the workbench.
        assert.equal(editor.document.uri.scheme, 'azure-disks-properties');
    });

    it('holds no SAS or token even while the disk has access granted', async () => {
        const seed = seedDisk('web-logs');
        const node = await findDiskNode(seed);
        const g = await grantWithPreset(node, { access: 'Read', durationInSeconds: 3600 });
        const sig = new URL(g.urls.disk!).searchParams.get('sig')!;
        await vscode.commands.executeCommand(ShowProperties, node);
        const text = propertiesEditor(seed.name)!.document.getText();
        assert.equal(JSON.parse(text).properties.diskState, 'ActiveSAS');
        const issued = await control().issuedSecrets();
        const secrets = [sig, ...issued.sasSignatures, ...issued.sasSignaturesEncoded, ...issued.bearerTokens];
        for (const s of secrets) assert.ok(!text.includes(s), 'no issued secret in the properties');
        assert.ok(!/sig=|Bearer /i.test(text), 'no signature or bearer value');
        await vscode.commands.executeCommand('azureDisks.revokeAccess', node);
    });
});
