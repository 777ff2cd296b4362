import * as assert from 'node:assert/strict';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import { portalUrl } from '../../../src/shared/portal';
import { control, findDiskNode, grantWithPreset, poll, sandbox, scriptedSuite, seedDisk } from './harness';

const ShowProperties = 'azureDisks.showProperties';
const OpenInPortal = 'azureDisks.openInPortal';

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

describe('Open in Portal', () => {
    const ui = scriptedSuite({ afterEach: () => vscode.commands.executeCommand('workbench.action.closeAllEditors') });

    it('a custom cloud without a portal: the error offers Open Settings, which opens the cloud setting', async () => {
        const config = vscode.workspace.getConfiguration('azureDisks');
        const custom = config.inspect<Record<string, string>>('customCloud')!.workspaceValue!;
        const { portalEndpoint: _dropped, ...withoutPortal } = custom;
        await config.update('customCloud', withoutPortal, vscode.ConfigurationTarget.Workspace);
        try {
            assert.doesNotMatch(vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '', /settings/i);
            ui.script({ match: 'The portal of this custom cloud is not known', answer: { button: 'Open Settings' } });
            await vscode.commands.executeCommand(OpenInPortal, await findDiskNode(seedDisk('web-data-01')));
            const toast = ui.toasts.find((t) => t.kind === 'error');
            assert.match(toast?.message ?? '', /Add "portalEndpoint" .* azureDisks\.customCloud/, 'the error says the fix');
            assert.deepEqual(toast?.items, ['Open Settings']);
            await poll('the Settings editor', () => /settings/i.test(vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? '') || undefined, 10_000);
        } finally {
            await config.update('customCloud', custom, vscode.ConfigurationTarget.Workspace);
        }
    });

    it('in the sandbox, the stand-in portal page shows the resource Open in Portal names', async () => {
        const seed = seedDisk('web-data-01');
        const { portalEndpoint } = sandbox().info;
        assert.equal(vscode.workspace.getConfiguration('azureDisks').get<Record<string, string>>('customCloud')?.portalEndpoint, portalEndpoint, 'the sandbox settings name the page');
        await vscode.commands.executeCommand(OpenInPortal, await findDiskNode(seed));
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), [], 'opened, not refused');
        // The address the command opens, built as it builds it; the page reads the resource from its fragment.
        const url = portalUrl({ name: 'Custom', portalEndpoint }, seed.tenantId, seed.id)!;
        const res = await fetch(url);
        assert.equal(res.status, 200);
        const html = await res.text();
        const script = /<script>([\s\S]*)<\/script>/.exec(html)![1];
        const fields: Record<string, { textContent: string }> = { resource: { textContent: '' }, tenant: { textContent: '' } };
        vm.runInNewContext(script, { location: { hash: new URL(url).hash }, document: { getElementById: (id: string) => fields[id] } });
        assert.equal(fields.resource.textContent, seed.id, 'the page shows the resource id');
        assert.equal(fields.tenant.textContent, seed.tenantId);
    });
});
