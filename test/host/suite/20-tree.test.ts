import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Cmds, control, findDiskNode, getApi, grantWithPreset, sandbox, seedDisk, useScriptedInput } from './harness';
import type { ScriptedInput } from './scriptedInput';

async function rootSubscriptionIds(): Promise<string[]> {
    const a = await getApi();
    const roots = ((await a.treeDataProvider.getChildren(undefined)) ?? []) as { id?: string }[];
    return roots
        .map((n) => /\/subscriptions\/([0-9a-f-]+)/i.exec(n.id ?? '')?.[1])
        .filter((x): x is string => !!x)
        .sort();
}

describe('Sign In, Select Subscriptions…, Refresh', () => {
    let ui: ScriptedInput;
    let dispose: () => void;

    beforeEach(async () => {
        ({ ui, dispose } = await useScriptedInput());
    });
    afterEach(() => {
        dispose();
        ui.assertDone();
    });

    it('Sign In with VS Code\'s Microsoft account shows the subscriptions of the main tenant', async () => {
        await vscode.commands.executeCommand(Cmds.SignIn);
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
        const { info } = sandbox();
        const main = info.tenants.find((t) => t.tenantId === info.tenantId)!;
        const shown = await rootSubscriptionIds();
        for (const id of main.subscriptionIds) {
            assert.ok(shown.includes(id.toLowerCase()) || shown.includes(id), `subscription ${id} is in the tree`);
        }
    });

    it('Sign In while signed in names the account and method; Sign Out empties the view until Sign In; the subscription tooltip names the account', async () => {
        const a = await getApi();
        await vscode.commands.executeCommand(Cmds.SignIn);
        const already = ui.toasts.find((t) => /Already signed in as/.test(t.message));
        assert.ok(already, `a toast says who is signed in: ${ui.toasts.map((t) => t.message).join(' | ')}`);
        assert.match(already.message, /sandbox\.user@contoso-sandbox\.example, through VS Code's Microsoft account/);
        assert.deepEqual(already.items, ['Switch Account', 'Sign Out']);
        const roots = ((await a.treeDataProvider.getChildren(undefined)) ?? []) as object[];
        const tooltip = String((a.treeDataProvider.getTreeItem(roots[0]) as vscode.TreeItem).tooltip);
        assert.match(tooltip, /Signed in as sandbox\.user@contoso-sandbox\.example, through VS Code's Microsoft account/);

        await vscode.commands.executeCommand('azureDisks.signOut');
        try {
            const out = ui.toasts.find((t) => /Signed out of Azure Managed Disks/.test(t.message));
            assert.ok(out, 'Sign Out says what it did');
            assert.match(out.message, /remove it in the Accounts menu/, 'and how to sign out of VS Code itself');
            assert.deepEqual(await rootSubscriptionIds(), [], 'signed out: the view shows its Sign In welcome, no subscriptions');
        } finally {
            await vscode.commands.executeCommand(Cmds.SignIn);
        }
        assert.ok(ui.toasts.some((t) => /^Signed in as sandbox\.user/.test(t.message)), 'Sign In after Sign Out signs in again and says as whom');
        assert.ok((await rootSubscriptionIds()).length > 0, 'the subscriptions are back');
    });

    it('each subscription row and the exact size of a disk read right: name in the spoken label, MiB for a disk under 1 GiB', async () => {
        const a = await getApi();
        const roots = ((await a.treeDataProvider.getChildren(undefined)) ?? []) as object[];
        const items = await Promise.all(roots.map((n) => a.treeDataProvider.getTreeItem(n as never)));
        const spoken = items.map((i) => i.accessibilityInformation?.label ?? '');
        assert.equal(new Set(spoken).size, spoken.length, `every subscription reads differently: ${spoken.join(' / ')}`);
        items.forEach((i, k) => assert.ok(spoken[k].includes(String(i.label)), `"${spoken[k]}" names the subscription ${String(i.label)}`));
        const small = seedDisk('web-data-01');
        const node = await findDiskNode(small);
        const item = await a.treeDataProvider.getTreeItem(node as never);
        const MiB = 1024 * 1024;
        assert.match(String(item.description), new RegExp(`^${(small.blobs.disk.size - 512) / MiB} MiB · `), 'the exact size from diskSizeBytes, not 1 GiB');
    });

    it('an empty resource group says it has no disks, snapshots or restore points', async () => {
        const a = await getApi();
        type N = { id: string; getChildren?(): Promise<N[]> };
        const dev = seedDisk('web-data-01').subscriptionId.toLowerCase();
        const roots = ((await a.treeDataProvider.getChildren(undefined)) ?? []) as N[];
        const sub = roots.find((n) => n.id.includes(`/subscriptions/${dev}`));
        assert.ok(sub, 'the dev subscription is in the tree');
        const groups = ((await a.treeDataProvider.getChildren(sub as never)) ?? []) as N[];
        const empty = await Promise.all(groups.map(async (g) => ({ g, label: String((await a.treeDataProvider.getTreeItem(g as never)).label) })));
        const rg = empty.find((x) => x.label === 'rg-empty');
        assert.ok(rg, 'rg-empty is listed');
        const rows = ((await a.treeDataProvider.getChildren(rg.g as never)) ?? []) as N[];
        const labels = await Promise.all(rows.map(async (r) => String((await a.treeDataProvider.getTreeItem(r as never)).label)));
        assert.deepEqual(labels, ['No disks, snapshots or restore points']);
    });

    it('Select Subscriptions… narrows the tree to the chosen ones, and back', async () => {
        const dev = seedDisk('web-data-01').subscriptionId;
        const all = await rootSubscriptionIds();
        assert.ok(all.length > 1, `several subscriptions to choose from (${all.length})`);
        ui.script({ match: /subscription/i, answer: { pickWhere: (i) => (i.detail ?? i.description ?? '').includes(dev), what: `subscription ${dev}` } });
        await vscode.commands.executeCommand(Cmds.SelectSubscriptions);
        assert.deepEqual(await rootSubscriptionIds(), [dev.toLowerCase()]);

        // A multi-pick answered with every item: all subscriptions again.
        ui.script({ match: /subscription/i, answer: { pickWhere: () => true, what: 'every subscription' } });
        await vscode.commands.executeCommand(Cmds.SelectSubscriptions);
        assert.deepEqual(await rootSubscriptionIds(), all);
    });

    it('Refresh shows what changed in Azure since the tree loaded', async () => {
        const seed = seedDisk('web-data-01');
        await grantWithPreset(await findDiskNode(seed), { access: 'Read', durationInSeconds: 3600 });
        assert.equal((await findDiskNode(seed)).disk.diskState, 'ActiveSAS');
        // Behind the extension's back: the sandbox puts every disk back in its seeded state.
        await control().reset({ state: true });
        assert.equal(await control().diskState(seed.id), 'Unattached');
        await vscode.commands.executeCommand(Cmds.Refresh);
        assert.equal((await findDiskNode(seed)).disk.diskState, 'Unattached');
    });
});
