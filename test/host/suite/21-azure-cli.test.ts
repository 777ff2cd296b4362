/** The Azure CLI route (azureDisks.authentication = azureCli), through the sandbox's `az` stand-in. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Cmds, control, findDiskNode, getApi, grantWithPreset, poll, providerState, scriptedSuite, seedDisk, useAuthMethod } from './harness';

describe('Sign-in through the Azure CLI', () => {
    const ui = scriptedSuite();

    useAuthMethod('azureCli');

    it('signs in as the CLI\'s account, grants with its token, and says how to sign out of the CLI', async () => {
        const a = await getApi();
        await vscode.commands.executeCommand(Cmds.SignIn);
        assert.ok(ui.toasts.some((t) => /sandbox\.user@contoso-sandbox\.example, through the Azure CLI/.test(t.message)), `the toast names the CLI: ${ui.toasts.map((t) => t.message).join(' | ')}`);
        const roots = await poll('the subscriptions', async () => {
            const r = ((await a.treeDataProvider.getChildren(undefined)) ?? []) as object[];
            return r.length ? r : undefined;
        });
        assert.match(String((a.treeDataProvider.getTreeItem(roots[0]) as vscode.TreeItem).tooltip), /through the Azure CLI/);

        // The grant goes out with a token the `az` stand-in fetched, not one of VS Code's sessions.
        const sessionPrints = new Set((await providerState()).sessions.map((s) => s.tokenFingerprint));
        const before = await control().tokenUses();
        const seed = seedDisk('web-data-01');
        await grantWithPreset(await findDiskNode(seed), { access: 'Read', durationInSeconds: 600 });
        assert.equal(await control().diskState(seed.id), 'ActiveSAS');
        const after = await control().tokenUses();
        const grew = Object.keys(after).filter((fp) => after[fp] > (before[fp] ?? 0));
        assert.ok(grew.length > 0 && grew.every((fp) => !sessionPrints.has(fp)), 'only the CLI\'s tokens were used');
        await control().reset({ state: true });

        await vscode.commands.executeCommand('azureDisks.signOut');
        const out = ui.toasts.find((t) => /Signed out of Azure Managed Disks/.test(t.message));
        assert.ok(out, 'Sign Out says what it did');
        assert.match(out.message, /az logout/, 'and how to sign out of the Azure CLI itself');
    });
});
