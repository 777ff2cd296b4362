import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Cmds, control, findDiskNode, grantWithPreset, headSize, pickDiskSteps, scriptedSuite, seedDisk, telemetryEvents, withoutQuery } from './harness';
import type { Grant } from '../../../src/shared/types';

const HOUR = { access: 'Read', durationInSeconds: 3600 } as const;

describe('Grant Access…', () => {
    const ui = scriptedSuite();

    it('grants read access to a plain disk from its tree row: one working SAS URL', async () => {
        const seed = seedDisk('web-data-01');
        const node = await findDiskNode(seed);
        const g = await grantWithPreset(node, HOUR);
        assert.deepEqual(Object.keys(g.urls).sort(), ['disk']);
        assert.equal(withoutQuery(g.urls.disk!), seed.blobs.disk.url);
        assert.ok(g.urls.disk!.includes('sig='), 'the URL carries a signature');
        assert.equal(await headSize(g.urls.disk!), seed.blobs.disk.size);
        assert.equal(await control().diskState(seed.id), 'ActiveSAS');
        const expiresIn = new Date(g.expiresAt).getTime() - Date.now();
        assert.ok(expiresIn > 3500_000 && expiresIn <= 3600_000, `expires in about an hour (${expiresIn} ms)`);
    });

    it('walks the palette path: subscription, resource group, disk, then the wizard', async () => {
        const seed = seedDisk('web-logs');
        ui.script(
            ...pickDiskSteps(seed),
            { match: 'Access level', optional: true, answer: { pick: 'Read' } },
            { match: 'How long should the access last', answer: { pick: '8 hours' } },
        );
        const g = await vscode.commands.executeCommand<Grant>(Cmds.GrantAccess, undefined, { silentPanel: true });
        assert.ok(g?.urls?.disk, 'a grant came back');
        assert.equal(withoutQuery(g.urls.disk!), seed.blobs.disk.url);
        const hours = (new Date(g.expiresAt).getTime() - new Date(g.grantedAt).getTime()) / 3600_000;
        assert.ok(Math.abs(hours - 8) < 0.01, `8 hours chosen, got ${hours}`);
        assert.equal(await control().diskState(seed.id), 'ActiveSAS');
    });

    it('Back in the palette pickers returns to the previous question', async () => {
        const seed = seedDisk('prod-db-01');
        const web = seedDisk('web-data-01');
        ui.script(
            { match: 'Select a subscription', optional: true, answer: { pickWhere: (i) => i.detail === web.subscriptionId, what: 'the dev subscription' } },
            { match: 'Select a resource group', answer: 'back' },
            ...pickDiskSteps(seed),
            { match: 'Access level', optional: true, answer: { pick: 'Read' } },
            { match: 'How long should the access last', answer: { pick: '1 hour' } },
        );
        const g = await vscode.commands.executeCommand<Grant>(Cmds.GrantAccess, undefined, { silentPanel: true });
        assert.equal(withoutQuery(g.urls.disk!), seed.blobs.disk.url);
    });

    it('the palette runs one wizard: disk pick and grant questions share one count, and Back goes from the duration to the disk list', async () => {
        const seed = seedDisk('big-data');
        const first = ui.prompts.length;
        ui.script(
            ...pickDiskSteps(seed),
            { match: 'How long should the access last', answer: 'back' },
            { match: /\| Select a disk or snapshot$/, answer: { pick: seed.name } },
            { match: 'How long should the access last', answer: { pick: '1 hour' } },
        );
        const g = await vscode.commands.executeCommand<Grant>(Cmds.GrantAccess, undefined, { silentPanel: true });
        assert.equal(withoutQuery(g.urls.disk!), seed.blobs.disk.url);
        const seen = ui.prompts.slice(first).filter((p) => p.kind === 'pick');
        const pos = seen.map((p) => `${p.step}/${p.totalSteps}`);
        const total = seen[seen.length - 1].totalSteps!;
        assert.ok(seen.every((p) => p.totalSteps === total), `one count for the whole wizard: ${pos.join(', ')}`);
        assert.deepEqual(seen.slice(-3).map((p) => p.step), [total, total - 1, total], `Back from the duration returned to the disk list: ${pos.join(', ')}`);
        // An ordinary disk allows only Read: no question for it, and the title says why.
        assert.ok(!seen.some((p) => /Access level/.test(p.text)), 'no Access level question for an ordinary disk');
        assert.match(seen[seen.length - 1].text, /read access to big-data \(write access is only for a disk created for upload\)/i);
    });

    it('Escape in a picker ends the command quietly: no toast, reported as Canceled', async () => {
        const before = telemetryEvents().length;
        ui.script({ match: 'Select a subscription', optional: true, answer: 'cancel' }, { match: 'Select a resource group', optional: true, answer: 'cancel' });
        const g = await vscode.commands.executeCommand<Grant | undefined>(Cmds.GrantAccess, undefined, { silentPanel: true });
        assert.equal(g, undefined);
        assert.deepEqual(ui.toasts, []);
        const events = telemetryEvents().slice(before).filter((e) => e.properties?.command === Cmds.GrantAccess);
        assert.deepEqual(events.map((e) => e.properties!.result), ['Canceled']);
    });

    it('a confidential disk with guest state gives three URLs: disk, VMGS and VMMD', async () => {
        const seed = seedDisk('cvm-os');
        const node = await findDiskNode(seed);
        ui.script(
            { match: 'Access level', optional: true, answer: { pick: 'Read' } },
            { match: 'How long should the access last', answer: { pick: '1 hour' } },
            { match: 'Include VM guest state', answer: { pick: 'Yes, include VM guest state' } },
        );
        const g = await vscode.commands.executeCommand<Grant>(Cmds.GrantAccess, node, { silentPanel: true });
        assert.deepEqual(Object.keys(g.urls).sort(), ['disk', 'vmgs', 'vmmd']);
        assert.equal(withoutQuery(g.urls.vmgs!), seed.blobs.vmgs!.url);
        assert.equal(withoutQuery(g.urls.vmmd!), seed.blobs.vmmd!.url);
        assert.equal(await headSize(g.urls.vmmd!), seed.blobs.vmmd!.size);
        assert.equal(await headSize(g.urls.vmgs!), seed.blobs.vmgs!.size);
    });

    it('a Trusted Launch disk with guest state gives two URLs: disk and VMGS', async () => {
        const seed = seedDisk('tl-os');
        const g = await grantWithPreset(await findDiskNode(seed), { ...HOUR, getSecureVMGuestStateSAS: true });
        assert.deepEqual(Object.keys(g.urls).sort(), ['disk', 'vmgs']);
        assert.equal(await headSize(g.urls.vmgs!), seed.blobs.vmgs!.size);
    });

    it('a snapshot exported as VHDX points at the VHDX blob', async () => {
        const seed = seedDisk('web-data-01-full');
        const node = await findDiskNode(seed);
        ui.script(
            { match: 'Access level', optional: true, answer: { pick: 'Read' } },
            { match: 'How long should the access last', answer: { pick: '1 hour' } },
            { match: 'File format of the snapshot', answer: { pick: 'VHDX' } },
        );
        const g = await vscode.commands.executeCommand<Grant>(Cmds.GrantAccess, node, { silentPanel: true });
        assert.equal(g.fileFormat, 'VHDX');
        assert.ok(seed.blobs.vhdx, 'the sandbox seeds a VHDX export');
        assert.equal(withoutQuery(g.urls.disk!), seed.blobs.vhdx!.url);
        assert.equal(await headSize(g.urls.disk!), seed.blobs.vhdx!.size);
    });

    it('a disk attached to a running VM fails in plain words, without a grant', async () => {
        const seed = seedDisk('web-os-01');
        const node = await findDiskNode(seed);
        const g = await vscode.commands.executeCommand<Grant | undefined>(Cmds.GrantAccess, node, { preset: HOUR, silentPanel: true });
        assert.equal(g?.urls, undefined, 'no grant');
        const errors = ui.toasts.filter((t) => t.kind === 'error');
        assert.equal(errors.length, 1, `one error toast (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        const msg = errors[0].message;
        assert.match(msg, /vm-web-01/, 'names the VM');
        assert.match(msg, /running|stop|deallocate/i, 'says the VM must be stopped');
        assert.doesNotMatch(msg, /[{}]|OperationNotAllowed|statusCode|Exception/, `no raw service error: ${msg}`);
        assert.equal(await control().diskState(seed.id), 'Attached');
    });

    it('the custom duration rejects 0, negative, more than 60 days and text, then accepts 90m', async () => {
        const seed = seedDisk('data_disk.v2-(old)');
        const node = await findDiskNode(seed);
        ui.script(
            { match: 'Access level', optional: true, answer: { pick: 'Read' } },
            { match: 'How long should the access last', answer: { pick: 'Custom…' } },
            { match: 'Duration of the access', answer: { input: '0', invalid: true } },
            { match: 'Duration of the access', answer: { input: '-5h', invalid: true } },
            { match: 'Duration of the access', answer: { input: '61d', invalid: true } },
            { match: 'Duration of the access', answer: { input: '5184001', invalid: true } },
            { match: 'Duration of the access', answer: { input: 'soon', invalid: true } },
            { match: 'Duration of the access', answer: { input: '90m' } },
        );
        const g = await vscode.commands.executeCommand<Grant>(Cmds.GrantAccess, node, { silentPanel: true });
        assert.equal(ui.validationMessages.length, 5);
        assert.ok(ui.validationMessages.some((m) => /60 days/.test(m)), 'says the 60-day limit');
        const minutes = (new Date(g.expiresAt).getTime() - new Date(g.grantedAt).getTime()) / 60_000;
        assert.ok(Math.abs(minutes - 90) < 0.5, `90 minutes, got ${minutes}`);
    });
});
