/**
 * Premium SSD v2 and Ultra snapshots through the real commands against the sandbox: one still in
 * InstantAccess is said before anything is granted or asked, and waited for on request; one of a
 * 4096-byte-sector disk is offered as VHDX only. The sandbox answers as Azure does meanwhile.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Grant } from '../../../src/shared/types';
import { Cmds, control, findDiskNode, getApi, poll, sandbox, scriptedSuite, seedDisk, withoutQuery } from './harness';

const SNAPSHOT = 'prod-db-4k-instant';

/** beginGetAccess requests the sandbox saw for `id` so far. */
async function grantRequests(id: string): Promise<number> {
    const log = await control().requestLog();
    return log.arm.byPath[`${id.toLowerCase()}/begingetaccess`]?.requests ?? 0;
}

/** A POST to ARM with a token of the main tenant, as a script would send it. */
async function armPost(path: string, body: unknown): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
    const { accessToken } = await control().token();
    const res = await fetch(`${sandbox().info.armEndpoint}${path}?api-version=2025-01-02`, { method: 'POST', headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : {} };
}

describe('Premium SSD v2 snapshots', () => {
    const ui = scriptedSuite({ refresh: true, afterEach: () => control().snapshotAccess(seedDisk(SNAPSHOT).id, 'InstantAccess') });

    it('a snapshot in InstantAccess is said before granting; Wait polls until Available, then grants it, as VHDX only', async () => {
        const seed = seedDisk(SNAPSHOT);
        await control().snapshotAccess(seed.id, 'InstantAccess');
        await vscode.commands.executeCommand(Cmds.Refresh);
        const node = await findDiskNode(seed);
        assert.equal(node.disk.snapshotAccessState, 'InstantAccess');
        assert.equal(node.disk.logicalSectorSize, 4096);
        const row = (await getApi()).treeDataProvider.getTreeItem(node) as vscode.TreeItem;
        assert.match(String(row.description), /InstantAccess/, 'the row says it');
        await control().clearLog();
        ui.script(
            { match: /prod-db-4k-instant is in the InstantAccess state: .*cannot be downloaded or copied to another region/, answer: { button: 'Wait Until Available' } },
            { match: 'How long should the access last', answer: { pick: '1 hour' } },
            { match: 'File format of the snapshot', answer: { pick: 'VHDX' } },
        );
        const granting = vscode.commands.executeCommand<Grant | undefined>(Cmds.GrantAccess, node, { silentPanel: true });
        await poll('the InstantAccess question', () => ui.prompts.find((p) => p.kind === 'warning' && /InstantAccess/.test(p.text)));
        // Waiting: the snapshot is read again, never granted while it is in InstantAccess.
        await new Promise((r) => setTimeout(r, 2500));
        assert.equal(await grantRequests(seed.id), 0, 'no grant asked of Azure while InstantAccess');
        await control().snapshotAccess(seed.id, 'Available');
        const g = await granting;
        try {
            assert.ok(g?.urls.disk, `a grant (toasts: ${JSON.stringify(ui.toasts.map((t) => t.message))})`);
            assert.equal(g.fileFormat, 'VHDX');
            assert.equal(withoutQuery(g.urls.disk), seed.blobs.vhdx!.url, 'the VHDX export');
            const format = ui.prompts.find((p) => /File format/.test(p.text));
            assert.deepEqual(format?.detail, ['VHDX'], 'a disk of 4096-byte sectors is offered as VHDX only');
            assert.match(format?.descriptions?.[0] ?? '', /4096-byte sectors/);
        } finally {
            // The next test needs the snapshot without a SAS, whatever failed here.
            if (g) await vscode.commands.executeCommand(Cmds.RevokeAccess, node);
        }
        assert.equal(await control().diskState(seed.id), 'Unattached');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('declining the wait grants nothing, and Copy to… says so before asking for a target', async () => {
        const seed = seedDisk(SNAPSHOT);
        await control().clearLog();
        ui.script({ match: /prod-db-4k-instant is in the InstantAccess state/, answer: 'dismiss' });
        const g = await vscode.commands.executeCommand<Grant | undefined>(Cmds.GrantAccess, await findDiskNode(seed), { silentPanel: true });
        assert.ok(g === undefined, 'no grant');
        ui.script({ match: /prod-db-4k-instant is in the InstantAccess state/, answer: 'dismiss' });
        // An unscripted target question would fail the test: none may come.
        const copied = await vscode.commands.executeCommand('azureDisks.copyTo', await findDiskNode(seed));
        assert.ok(copied === undefined, 'no copy');
        assert.equal(await grantRequests(seed.id), 0);
        assert.equal(await control().diskState(seed.id), 'Unattached');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), [], 'declining is not an error');
    });

    it('the sandbox answers as Azure: no grant in InstantAccess, Available after its seconds, then VHDX only for 4096-byte sectors', async () => {
        const seed = seedDisk(SNAPSHOT);
        const path = `${new URL(seed.id, 'http://x').pathname}/beginGetAccess`;
        const refused = await armPost(path, { access: 'Read', durationInSeconds: 60, fileFormat: 'VHDX' });
        assert.equal(refused.status, 409);
        assert.equal(refused.json.error?.code, 'OperationNotAllowed');
        assert.match(refused.json.error?.message ?? '', /snapshotAccessState is InstantAccess/);
        await control().snapshotAccess(seed.id, 'InstantAccess', 1);
        await new Promise((r) => setTimeout(r, 1200));
        const vhd = await armPost(path, { access: 'Read', durationInSeconds: 60, fileFormat: 'VHD' });
        assert.equal(vhd.status, 400, 'Available now, but not as VHD');
        assert.match(vhd.json.error?.message ?? '', /4096 bytes and can be exported only as VHDX/);
    });
});
