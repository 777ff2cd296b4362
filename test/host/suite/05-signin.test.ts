/**
 * The default sign-in route, VS Code's Microsoft account, through the sandbox's authentication
 * provider (test/authProvider). Runs first: the run starts with no session at all. Extension tests
 * get no workbench dialogs, so VS Code's "wants to sign in" prompt shows up as the error it raises
 * instead; the user's answer is the account signing in from the Accounts menu (addAccount).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { tokenFingerprint } from '../../sandbox/tokens';
import { activateOnly, addAccount, Cmds, control, findDiskNode, getApi, grantWithPreset, poll, providerState, sandbox, scriptedSuite, seedDisk, signOutOfVsCode, toRef } from './harness';

const PROMPT = /wants to sign in using Microsoft Sovereign Cloud/;

async function roots(): Promise<{ id?: string }[]> {
    const a = await activateOnly();
    return ((await a.treeDataProvider.getChildren(undefined)) ?? []) as { id?: string }[];
}

async function subscriptionRows(): Promise<string[]> {
    return (await roots()).map((n) => n.id ?? '').filter((id) => id.includes('/subscriptions/'));
}

describe('Sign-in through VS Code\'s Microsoft account', () => {
    const ui = scriptedSuite();

    after(async () => {
        await control().setTokenLifetime(3600);
        // Whatever a test left behind, the suites after this one start signed in.
        if (!(await providerState()).sessions.length) await addAccount();
        await vscode.commands.executeCommand(Cmds.SignIn);
        await poll('the subscriptions after signing in again', async () => ((await subscriptionRows()).length ? true : undefined));
    });

    it('first start: the view offers Sign In and nobody is asked to sign in until the user acts; Sign In asks once; the tree fills', async () => {
        await signOutOfVsCode();
        await vscode.commands.executeCommand('sandboxAuth.clearRequests');
        await vscode.commands.executeCommand(Cmds.Refresh);
        assert.deepEqual(await roots(), [], 'no session: the view is empty, so it shows its Sign In welcome');
        const silent = (await providerState()).requests;
        assert.ok(silent.some((r) => r.kind === 'getSessions' && r.providerId === 'microsoft-sovereign-cloud'), `the view asked the provider quietly: ${JSON.stringify(silent)}`);
        assert.deepEqual(silent.filter((r) => r.kind === 'createSession'), [], 'no session was created behind the user\'s back');
        assert.deepEqual(ui.toasts.filter((t) => PROMPT.test(t.message)), [], 'no sign-in prompt at start');

        await vscode.commands.executeCommand(Cmds.SignIn);
        const prompts = ui.toasts.filter((t) => PROMPT.test(t.message));
        assert.equal(prompts.length, 1, `Sign In made VS Code ask once: ${ui.toasts.map((t) => t.message).join(' | ')}`);

        // The user signs in: the view reloads by itself (VS Code tells the extension), without asking again.
        const a = await activateOnly();
        let reloaded = false;
        const listening = a.treeDataProvider.onDidChangeTreeData!(() => (reloaded = true));
        await addAccount();
        await poll('the view to reload after the account signed in', () => (reloaded ? true : undefined)).finally(() => listening.dispose());
        const subs = await poll('the subscriptions after the account signed in', async () => ((await subscriptionRows()).length ? await subscriptionRows() : undefined));
        const { info } = sandbox();
        for (const id of info.tenants.find((t) => t.tenantId === info.tenantId)!.subscriptionIds) {
            assert.ok(subs.some((s) => s.includes(id.toLowerCase())), `the main tenant's subscription ${id} is shown`);
        }
        assert.equal(ui.toasts.filter((t) => PROMPT.test(t.message)).length, 1, 'no second prompt');
        assert.equal((await providerState()).requests.filter((r) => r.kind === 'createSession').length, 1, 'one session created: the user\'s');
    });

    it('signing out in VS Code\'s Accounts menu empties the tree and brings back the welcome; the old token is not used again', async () => {
        await getApi();
        await vscode.commands.executeCommand(Cmds.Refresh);
        await poll('the subscriptions', async () => ((await subscriptionRows()).length ? true : undefined));
        const old = (await providerState()).sessions.map((s) => s.tokenFingerprint);
        assert.ok(old.length > 0, 'signed in with at least one session');
        const usedBefore = await control().tokenUses();
        assert.ok(old.some((fp) => (usedBefore[fp] ?? 0) > 0), 'the session\'s token reached the sandbox');

        await signOutOfVsCode();
        await poll('the empty view after signing out', async () => ((await roots()).length === 0 ? true : undefined));
        // Everything that could still hold the token: a refresh, a disk's row, a grant.
        await vscode.commands.executeCommand(Cmds.Refresh);
        assert.deepEqual(await roots(), []);
        const seed = seedDisk('web-data-01');
        await assert.rejects(grantWithPreset(toRef(seed), { access: 'Read', durationInSeconds: 600 }), 'no grant without a session');
        const usedAfter = await control().tokenUses();
        for (const fp of old) assert.equal(usedAfter[fp] ?? 0, usedBefore[fp] ?? 0, `token ${fp} was not presented after sign-out`);
        assert.equal((await providerState()).sessions.length, 0);

        await addAccount();
        await vscode.commands.executeCommand(Cmds.SignIn);
        await poll('the subscriptions after signing in again', async () => ((await subscriptionRows()).length ? true : undefined));
    });

    it('the secrets scan looks for every token the provider handed out', async () => {
        await getApi();
        const sessions = (await providerState()).sessions;
        assert.ok(sessions.length > 0, 'signed in');
        const issued = new Set((await control().issuedSecrets()).bearerTokens.map(tokenFingerprint));
        for (const s of sessions) assert.ok(issued.has(s.tokenFingerprint), `session ${s.id}'s token is among the issued ones the scan searches for`);
    });

    it('a token that expired is renewed through the provider without a prompt: revoke after the first token\'s expiry works', async () => {
        const seed = seedDisk('web-data-01');
        await control().setTokenLifetime(5);
        await signOutOfVsCode();
        await addAccount();
        await vscode.commands.executeCommand(Cmds.SignIn);
        await poll('the subscriptions', async () => ((await subscriptionRows()).length ? true : undefined));
        await grantWithPreset(await findDiskNode(seed), { access: 'Read', durationInSeconds: 3600 });
        assert.equal(await control().diskState(seed.id), 'ActiveSAS');
        const first = (await providerState()).sessions.filter((s) => s.tenantId === seed.tenantId);
        const lastExpiry = Math.max(...first.map((s) => s.expiresOn));
        // Wait for a condition, not a time: every token the grant used has expired.
        await poll('the first tokens to expire', () => (Date.now() / 1000 > lastExpiry ? true : undefined), 15_000);

        await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(seed));
        await poll('the revoke to finish', async () => ((await control().diskState(seed.id)) === 'Unattached' ? true : undefined));
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error').map((t) => t.message), []);
        const now = (await providerState()).sessions;
        const firstPrints = new Set(first.map((s) => s.tokenFingerprint));
        const renewed = now.filter((s) => first.some((f) => f.id === s.id) && !firstPrints.has(s.tokenFingerprint));
        assert.ok(renewed.length > 0, 'the same sessions now carry new tokens');
        const uses = await control().tokenUses();
        assert.ok(renewed.some((s) => (uses[s.tokenFingerprint] ?? 0) > 0), 'the revoke went out with a renewed token');
        assert.deepEqual((await providerState()).requests.filter((r) => r.kind === 'createSession' && !r.result.startsWith('created')), []);
    });
});

describe('Sign-in through VS Code\'s Microsoft account: which provider each cloud asks', () => {
    const ui = scriptedSuite();
    const config = () => vscode.workspace.getConfiguration();

    afterEach(async () => {
        await config().update('azureDisks.cloud', 'Custom', vscode.ConfigurationTarget.Workspace);
    });

    it('a public cloud asks the microsoft provider, a sovereign one microsoft-sovereign-cloud, each for its own management scope', async () => {
        await getApi();
        const asked = async (cloud: string) => {
            await vscode.commands.executeCommand('sandboxAuth.clearRequests');
            await config().update('azureDisks.cloud', cloud, vscode.ConfigurationTarget.Workspace);
            await roots();
            return (await providerState()).requests.map((r) => `${r.providerId} ${r.scopes.join(' ')}`);
        };
        const china = await asked('AzureChinaCloud');
        assert.ok(china.some((r) => r === 'microsoft-sovereign-cloud https://management.chinacloudapi.cn/.default'), `China: ${china.join(' | ')}`);
        assert.ok(china.every((r) => !r.startsWith('microsoft ')), 'not the public provider');
        const pub = await asked('AzureCloud');
        assert.ok(pub.some((r) => r === 'microsoft https://management.azure.com/.default'), `public: ${pub.join(' | ')}`);
        assert.ok(pub.every((r) => !r.startsWith('microsoft-sovereign-cloud ')), 'not the sovereign provider');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), [], 'asked quietly');
    });

    it('a custom cloud signing in at Entra ID\'s public authority (as the demo does) asks the microsoft provider, and VS Code\'s prompt says Microsoft', async () => {
        await getApi();
        const { info } = sandbox();
        const before = config().inspect('azureDisks.customCloud')?.workspaceValue as Record<string, unknown>;
        await vscode.commands.executeCommand('sandboxAuth.clearRequests');
        try {
            await config().update('azureDisks.customCloud', { ...before, activeDirectoryEndpoint: 'https://login.microsoftonline.com' }, vscode.ConfigurationTarget.Workspace);
            await roots();
            const asked = (await providerState()).requests.map((r) => `${r.providerId} ${r.scopes.join(' ')}`);
            assert.ok(asked.some((r) => r === `microsoft ${info.managementScope}`), `the public provider, for the sandbox's scope: ${asked.join(' | ')}`);
            assert.ok(asked.every((r) => !r.startsWith('microsoft-sovereign-cloud ')), 'not the sovereign provider');
            // No session of that provider yet: Sign In makes VS Code ask, naming the public account.
            await vscode.commands.executeCommand(Cmds.SignIn);
            const prompt = ui.toasts.find((t) => /wants to sign in using/.test(t.message));
            assert.ok(prompt, `VS Code asked: ${ui.toasts.map((t) => t.message).join(' | ')}`);
            assert.match(prompt.message, /wants to sign in using Microsoft(?! Sovereign)/);
            await vscode.commands.executeCommand('sandboxAuth.addAccount', 'microsoft', [info.managementScope]);
            await poll('the subscriptions through the public provider', async () => ((await subscriptionRows()).length ? true : undefined));
        } finally {
            await vscode.commands.executeCommand('sandboxAuth.signOut', 'microsoft');
            await config().update('azureDisks.customCloud', before, vscode.ConfigurationTarget.Workspace);
        }
    });

    it('Azure China with the sovereign-cloud account set to another cloud says which value VS Code needs, and asks nobody', async () => {
        await getApi();
        await vscode.commands.executeCommand('azureDisks.signOut');
        await vscode.commands.executeCommand('sandboxAuth.clearRequests');
        try {
            await config().update('azureDisks.cloud', 'AzureChinaCloud', vscode.ConfigurationTarget.Workspace);
            await vscode.commands.executeCommand(Cmds.SignIn);
            const error = ui.toasts.find((t) => t.kind === 'error');
            assert.ok(error, `Sign In failed with a message: ${ui.toasts.map((t) => t.message).join(' | ')}`);
            assert.match(error.message, /AzureChinaCloud signs in through VS Code's Microsoft Sovereign Cloud account: set "microsoft-sovereign-cloud\.environment" to "ChinaCloud"/);
            assert.deepEqual((await providerState()).requests.filter((r) => r.kind === 'createSession'), [], 'no sign-in to the wrong cloud');
            assert.ok(!ui.toasts.some((t) => PROMPT.test(t.message)), 'VS Code was not asked to prompt');
        } finally {
            await config().update('azureDisks.cloud', 'Custom', vscode.ConfigurationTarget.Workspace);
            await vscode.commands.executeCommand(Cmds.SignIn);
        }
    });

    it('a custom cloud without the sovereign-cloud settings says which VS Code settings it needs', async () => {
        await getApi();
        const before = config().inspect('microsoft-sovereign-cloud.environment')?.workspaceValue;
        await vscode.commands.executeCommand('azureDisks.signOut');
        await config().update('microsoft-sovereign-cloud.environment', undefined, vscode.ConfigurationTarget.Workspace);
        try {
            await vscode.commands.executeCommand(Cmds.SignIn);
            const error = ui.toasts.find((t) => t.kind === 'error');
            assert.ok(error, `Sign In failed with a message: ${ui.toasts.map((t) => t.message).join(' | ')}`);
            assert.match(error.message, /"microsoft-sovereign-cloud\.environment" to "custom"/);
            assert.match(error.message, /microsoft-sovereign-cloud\.customEnvironment/);
        } finally {
            await config().update('microsoft-sovereign-cloud.environment', before, vscode.ConfigurationTarget.Workspace);
            await vscode.commands.executeCommand(Cmds.SignIn);
        }
        assert.ok(ui.toasts.some((t) => /^Signed in as sandbox\.user/.test(t.message)), 'with the setting back, Sign In works');
    });
});

describe('Sign-in through VS Code\'s Microsoft account: a second tenant', () => {
    const ui = scriptedSuite();

    it('the second tenant\'s subscriptions appear after its own sign-in, asked from a "Sign in to <tenant>" row, never at start', async () => {
        const a = await getApi();
        const { info } = sandbox();
        const other = info.tenants.find((t) => t.tenantId !== info.tenantId)!;
        type Row = { id?: string };
        const label = (n: Row) => String((a.treeDataProvider.getTreeItem(n) as vscode.TreeItem).label);
        await vscode.commands.executeCommand(Cmds.Refresh);
        const row = await poll('the "Sign in to" row', async () => (await roots()).find((n) => label(n) === `Sign in to ${other.displayName}`));
        assert.ok(!(await subscriptionRows()).some((id) => id.includes(other.subscriptionIds[0].toLowerCase())), 'its subscriptions are not shown yet');
        assert.deepEqual(ui.toasts.filter((t) => PROMPT.test(t.message)), [], 'nobody was asked at start');

        // Choosing the row makes VS Code ask for that tenant (a refused dialog here), once.
        await vscode.commands.executeCommand('sandboxAuth.clearRequests');
        await vscode.commands.executeCommand((a.treeDataProvider.getTreeItem(row) as vscode.TreeItem).command!.command, row);
        await poll('VS Code\'s prompt for the tenant', () => ui.toasts.find((t) => PROMPT.test(t.message)));
        // The user signs in to that tenant: its subscriptions appear, the row goes.
        await addAccount(other.tenantId);
        await poll('the other tenant\'s subscription', async () => ((await subscriptionRows()).some((id) => id.includes(other.subscriptionIds[0].toLowerCase())) ? true : undefined));
        assert.ok(!(await roots()).some((n) => label(n).startsWith('Sign in to')), 'no "Sign in to" row once signed in');
        assert.equal(ui.toasts.filter((t) => PROMPT.test(t.message)).length, 1, 'asked once');
    });

    it('the account cannot sign in to a tenant it is not a member of', async () => {
        const { info } = sandbox();
        await assert.rejects(
            Promise.resolve(vscode.commands.executeCommand('sandboxAuth.addAccount', 'microsoft-sovereign-cloud', [info.managementScope, 'VSCODE_TENANT:00000000-0000-4000-8000-00000000dead'])),
            /not a member/,
        );
        assert.ok(!(await providerState()).sessions.some((s) => s.scopes.some((x) => x.endsWith('dead'))), 'no session for it');
        assert.deepEqual(ui.toasts, []);
    });
});

describe('Sign-in: Sign Out then Sign In keeps what was open', () => {
    scriptedSuite();

    it('the subscription and group a disk was revealed in come back expanded after Sign Out and Sign In', async () => {
        const a = await getApi();
        const seed = seedDisk('web-data-01');
        type Row = { id?: string; rg?: { name: string } };
        const tree = a.treeDataProvider as unknown as vscode.TreeDataProvider<Row> & { reveal(ref: ReturnType<typeof toRef>): Promise<boolean> };
        const state = (n: Row) => (tree.getTreeItem(n) as vscode.TreeItem).collapsibleState;
        await vscode.commands.executeCommand(Cmds.Refresh);
        // As the user opening them: revealing the disk's row expands its subscription and group in the view.
        assert.equal(await tree.reveal(toRef(seed)), true, 'the disk\'s row is shown');
        const subOf = async () => ((await roots()) as Row[]).find((n) => n.id?.includes(`/subscriptions/${seed.subscriptionId.toLowerCase()}`));
        await poll('the view to report the subscription opened', async () => {
            const sub = await subOf();
            return sub && state(sub) === vscode.TreeItemCollapsibleState.Expanded ? true : undefined;
        });

        await vscode.commands.executeCommand('azureDisks.signOut');
        await poll('the empty view after Sign Out', async () => ((await roots()).length === 0 ? true : undefined));
        await vscode.commands.executeCommand(Cmds.SignIn);
        const sub = await poll('the subscription after Sign In', subOf);
        assert.equal(state(sub), vscode.TreeItemCollapsibleState.Expanded, 'the subscription is open again');
        const rg = ((await tree.getChildren(sub)) ?? []).find((n) => n.rg?.name === seed.resourceGroup);
        assert.ok(rg, `the group ${seed.resourceGroup}`);
        assert.equal(state(rg), vscode.TreeItemCollapsibleState.Expanded, 'the group is open again');
    });
});
