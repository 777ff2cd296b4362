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

    it('Sign In with the Azure CLI account shows the subscriptions of the main tenant', async () => {
        await vscode.commands.executeCommand(Cmds.SignIn);
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
        const { info } = sandbox();
        const main = info.tenants.find((t) => t.tenantId === info.tenantId)!;
        const shown = await rootSubscriptionIds();
        for (const id of main.subscriptionIds) {
            assert.ok(shown.includes(id.toLowerCase()) || shown.includes(id), `subscription ${id} is in the tree`);
        }
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
