/**
 * The environment route (azureDisks.authentication = environment): no service principal in the
 * environment, so the managed identity answers — App Service style, IDENTITY_ENDPOINT and
 * IDENTITY_HEADER pointing at the sandbox, as the host runner sets them.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Cmds, control, findDiskNode, getApi, grantWithPreset, poll, providerState, scriptedSuite, seedDisk, useAuthMethod } from './harness';

const MANAGED_IDENTITY_APP_ID = '3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f';

describe('Sign-in through the environment (managed identity)', () => {
    const ui = scriptedSuite();

    useAuthMethod('environment');

    it('signs in as the managed identity, grants with its token, and says the environment decides who signs in', async () => {
        const a = await getApi();
        const issuedBefore = (await control().issuedSecrets()).bearerTokens.length;
        await vscode.commands.executeCommand(Cmds.SignIn);
        assert.ok(ui.toasts.some((t) => new RegExp(`application ${MANAGED_IDENTITY_APP_ID}, through environment credentials`).test(t.message)), `the toast names the identity and the route: ${ui.toasts.map((t) => t.message).join(' | ')}`);
        const roots = await poll('the subscriptions', async () => {
            const r = ((await a.treeDataProvider.getChildren(undefined)) ?? []) as object[];
            return r.length ? r : undefined;
        });
        assert.match(String((a.treeDataProvider.getTreeItem(roots[0]) as vscode.TreeItem).tooltip), /through environment credentials/);
        assert.ok((await control().issuedSecrets()).bearerTokens.length > issuedBefore, 'the sandbox\'s managed-identity endpoint issued a token');

        // The grant goes out with the managed identity's token, not one of VS Code's sessions.
        const sessionPrints = new Set((await providerState()).sessions.map((s) => s.tokenFingerprint));
        const before = await control().tokenUses();
        const seed = seedDisk('web-data-01');
        await grantWithPreset(await findDiskNode(seed), { access: 'Read', durationInSeconds: 600 });
        assert.equal(await control().diskState(seed.id), 'ActiveSAS');
        const after = await control().tokenUses();
        const grew = Object.keys(after).filter((fp) => after[fp] > (before[fp] ?? 0));
        assert.ok(grew.length > 0 && grew.every((fp) => !sessionPrints.has(fp)), 'only the managed identity\'s tokens were used');
        await control().reset({ state: true });

        await vscode.commands.executeCommand('azureDisks.signOut');
        const out = ui.toasts.find((t) => /Signed out of Azure Managed Disks/.test(t.message));
        assert.ok(out, 'Sign Out says what it did');
        assert.match(out.message, /environment credentials .*stay in place/, 'and that the environment\'s credentials stay');
    });
});
