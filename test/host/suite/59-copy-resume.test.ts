/**
 * Copy to… when things go wrong: a copy cancelled half-way resumes into the same disk without
 * copying again what was done; Azure's own copy (CopyStart) of an incremental snapshot to another
 * region; and the faults that can stop a copy, none of which leaves a disk in ActiveSAS or
 * ActiveUpload without the user being told and offered to delete it.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/shared/types';
import { Cmds, control, findDiskNode, getApi, grantWithPreset, poll, seedDisk, useScriptedInput, copyTargetSteps } from './harness';
import type { ScriptedInput } from './scriptedInput';

const CopyTo = 'azureDisks.copyTo';
const MiB = 1024 * 1024;


const idIn = (sourceId: string, rg: string, kind: 'disks' | 'snapshots', name: string) => sourceId.replace(/\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/(disks|snapshots)\/[^/]+$/i, `/resourceGroups/${rg}/providers/Microsoft.Compute/${kind}/${name}`);

/** Put Page requests (from a URL or with a body) the storage answered 201. */
async function pagePuts(): Promise<number> {
    return (await control().requestLog()).storage.recent.filter((r) => r.method === 'PUT' && r.status === 201).length;
}

/** 4 MiB pieces of a blob's written ranges, counted from its page list. */
async function chunksOf(url: string): Promise<number> {
    const ranges: { start: number; end: number }[] = [];
    for await (const r of new PageBlobClient(url, new AnonymousCredential()).listPageRanges()) {
        const last = ranges[ranges.length - 1];
        if (last && last.end === r.start) last.end = r.end + 1;
        else ranges.push({ start: r.start, end: r.end + 1 });
    }
    return ranges.reduce((n, r) => n + Math.ceil((r.end - r.start) / (4 * MiB)), 0);
}

async function sha256Of(url: string): Promise<string> {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    return createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
}

const state = (id: string) => control().diskState(id).catch(() => 'gone');

describe('Copy to… resumes, CopyStart, and faults', () => {
    let ui: ScriptedInput;
    let dispose: () => void;

    before(async () => {
        await control().reset({ state: true });
        await vscode.commands.executeCommand(Cmds.Refresh);
    });
    beforeEach(async () => ({ ui, dispose } = await useScriptedInput()));
    afterEach(async () => {
        dispose();
        await control().reset({});
        ui.assertDone();
    });

    it('a copy cancelled half-way resumes into the same disk, copies only what was left, and the copy equals the source', async function () {
        this.timeout(240_000);
        const seed = seedDisk('big-data');
        const targetId = idIn(seed.id, 'rg-data', 'disks', 'big-data-copy');
        // Each page write waits a second, so the copy is still running when it is cancelled.
        await control().clearLog();
        await control().storageFault({ method: 'PUT', action: 'delay', delayMs: 1000, count: 100_000 });
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-data', 'big-data-copy'));
        const first = Promise.resolve(vscode.commands.executeCommand(CopyTo, await findDiskNode(seed)));
        await poll('a dozen ranges copied', async () => (await pagePuts()) >= 12 || undefined, 120_000);
        const api = await getApi();
        assert.equal(api.testing.cancelCopies(), 1, 'one copy was running');
        assert.equal(await first, undefined, 'the cancelled command ends quietly');
        const warn = await poll('the "cancelled" warning', () => ui.toasts.find((t) => /The copy of big-data into big-data-copy was cancelled/.test(t.message)));
        assert.match(warn.message, /stays in the ActiveUpload state .*Resume Copy continues/);
        assert.deepEqual(warn.items, ['Resume Copy', 'Delete Disk']);
        assert.equal(await state(seed.id), 'Unattached', 'the source\'s SAS is revoked');
        assert.equal(await state(targetId), 'ActiveUpload', 'the target keeps its write access, to resume');
        // Requests already on their way finish (or fail) before counting.
        let copiedBefore = await pagePuts();
        await poll('requests in flight settled', async () => {
            const now = await pagePuts();
            const settled = now === copiedBefore;
            copiedBefore = now;
            return settled || undefined;
        }, 30_000).catch(() => undefined);
        await control().reset({});

        ui.script({ match: 'A copy of big-data did not finish', answer: { pick: 'Resume the copy into big-data-copy' } });
        const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CopyTo, await findDiskNode(seed));
        assert.ok(made, `the resumed copy finished (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        assert.equal(made.id.toLowerCase(), targetId.toLowerCase(), 'into the same disk');
        const copiedAfter = await pagePuts();
        await poll('the "copied, resumed" toast', () => ui.toasts.find((t) => /Copied and verified big-data to big-data-copy .*server-side.*Resumed: .* had been copied before/.test(t.message)));
        assert.equal(await state(seed.id), 'Unattached');
        assert.equal(await state(targetId), 'Unattached', 'the target is revoked: usable');

        const g = await grantWithPreset(made, { access: 'Read', durationInSeconds: 3600 });
        const chunks = await chunksOf(g.urls.disk!);
        console.log(`      big-data: ${chunks} ranges of 4 MiB; ${copiedBefore} copied before Cancel, ${copiedAfter} after`);
        assert.ok(copiedBefore + copiedAfter >= chunks, 'every range was copied by one run or the other');
        // Starting over would copy all of them again; ranges still in flight at Cancel (at most 8) may be.
        assert.ok(copiedAfter <= chunks - copiedBefore + 8, `the resumed run copied ${copiedAfter} of ${chunks} ranges after ${copiedBefore}: it started over`);
        assert.equal(await sha256Of(g.urls.disk!), seed.blobs.disk.sha256, 'the copy equals the source byte for byte');
        await vscode.commands.executeCommand(Cmds.RevokeAccess, made);
    });

    it('after a reload the target\'s write SAS is gone: no Resume Copy, but Delete Target and Restart, which copies again into a fresh disk', async function () {
        this.timeout(240_000);
        const seed = seedDisk('big-data');
        const name = 'big-data-reloaded';
        const targetId = idIn(seed.id, 'rg-data', 'disks', name);
        await control().clearLog();
        await control().storageFault({ method: 'PUT', action: 'delay', delayMs: 1000, count: 100_000 });
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-data', name));
        const first = Promise.resolve(vscode.commands.executeCommand(CopyTo, await findDiskNode(seed)));
        await poll('a few ranges copied', async () => (await pagePuts()) >= 4 || undefined, 120_000);
        const api = await getApi();
        api.testing.closeWindow();
        await first;
        await control().reset({});
        assert.equal(await state(targetId), 'ActiveUpload', 'the window closed with the target open for writing');
        const before = ui.toasts.length;

        ui.script(
            { match: new RegExp(`The copy of big-data into ${name} did not finish and cannot resume`), answer: { button: 'Delete Target and Restart' } },
            { match: new RegExp(`Delete the disk ${name}`), answer: { input: name } },
            // The grant is from before the reload, so this window does not know it as its own.
            { match: new RegExp(`Revoke access to ${name}\\?`), answer: { button: 'Revoke' } },
        );
        api.testing.reopenWindow();
        const done = await poll('the copy made again', () => ui.toasts.find((t) => new RegExp(`Copied and verified big-data to ${name} `).test(t.message)), 180_000);
        assert.doesNotMatch(done.message, /Resumed:/, 'a fresh copy, not a resume from the old journal');
        const after = ui.toasts.slice(before);
        assert.deepEqual(after.filter((t) => t.items.includes('Resume Copy')).map((t) => t.message), [], 'Resume Copy is not offered for a target whose write SAS is gone');
        assert.deepEqual(after.filter((t) => t.kind === 'error').map((t) => t.message), [], 'no error on the way');
        assert.equal(await state(seed.id), 'Unattached');
        assert.equal(await state(targetId), 'Unattached', 'the new target is revoked: usable');
        const made = { ...seed, name, resourceGroup: 'rg-data', id: targetId, kind: 'disk' } as unknown as DiskInfo;
        const g = await grantWithPreset(made, { access: 'Read', durationInSeconds: 3600 });
        assert.equal(await sha256Of(g.urls.disk!), seed.blobs.disk.sha256, 'the new copy equals the source byte for byte');
        await vscode.commands.executeCommand(Cmds.RevokeAccess, made);
    });

    it('an incremental snapshot goes to another region by Azure\'s own copy (CopyStart), with its progress, and says so', async function () {
        this.timeout(120_000);
        const seed = seedDisk('web-data-01-incr');
        assert.equal(seed.kind, 'snapshot');
        const id = idIn(seed.id, 'rg-secure', 'snapshots', 'web-data-01-incr-eastus');
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-secure', 'web-data-01-incr-eastus', [{ match: /How should web-data-01-incr be copied to eastus/, answer: { pick: 'Let Azure copy it' } }]));
        await control().clearLog();
        const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CopyTo, await findDiskNode(seed));
        assert.ok(made, `the snapshot (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        assert.equal(made.id.toLowerCase(), id.toLowerCase());
        assert.equal(made.kind, 'snapshot');
        assert.equal(made.location, 'eastus');
        assert.equal(made.completionPercent, 100);
        await poll('the toast naming CopyStart', () => ui.toasts.find((t) => /Azure copied web-data-01-incr to web-data-01-incr-eastus .*CopyStart/.test(t.message)));
        const log = await control().requestLog();
        const puts = log.arm.recent.filter((r) => r.method === 'PUT' && /\/snapshots\/web-data-01-incr-eastus$/i.test(r.path));
        assert.equal(puts.length, 1, 'one PUT of the snapshot');
        assert.ok(log.arm.recent.filter((r) => r.method === 'GET' && /\/snapshots\/web-data-01-incr-eastus$/i.test(r.path)).length >= 3, 'its progress was polled');
        assert.equal(log.storage.recent.filter((r) => r.method === 'PUT').length, 0, 'no data went through this machine');
        assert.equal(await state(seed.id), 'Unattached', 'no SAS on the source');
        const g = await grantWithPreset(made, { access: 'Read', durationInSeconds: 3600, fileFormat: 'VHD' });
        assert.equal(await sha256Of(g.urls.disk!), seed.blobs.disk.sha256, 'the copy has the source\'s data');
        await vscode.commands.executeCommand(Cmds.RevokeAccess, made);
    });

    it('the source grant fails: nothing is created and the source has no SAS', async () => {
        const seed = seedDisk('web-data-01');
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-data', 'web-data-01-nogrant'));
        await control().armFault({ method: 'POST', path: '/disks/web-data-01/beginGetAccess', count: 5, status: 403 });
        await vscode.commands.executeCommand(CopyTo, await findDiskNode(seed));
        assert.ok(ui.toasts.some((t) => t.kind === 'error'), 'the failure is shown');
        assert.equal(await state(seed.id), 'Unattached');
        assert.equal(await state(idIn(seed.id, 'rg-data', 'disks', 'web-data-01-nogrant')), 'gone', 'no target was made');
    });

    it('the target\'s create fails: the source is revoked and the failed disk is offered for deletion', async () => {
        const seed = seedDisk('web-data-01');
        const id = idIn(seed.id, 'rg-data', 'disks', 'web-data-01-nocreate');
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-data', 'web-data-01-nocreate'), { match: /The copy into web-data-01-nocreate did not finish/, answer: { button: 'Delete Disk' } }, { match: /Delete the disk web-data-01-nocreate/, answer: { input: 'web-data-01-nocreate' } });
        await control().lroFault({ path: '/disks/web-data-01-nocreate', outcome: 'fail' });
        await vscode.commands.executeCommand(CopyTo, await findDiskNode(seed));
        assert.ok(ui.toasts.some((t) => t.kind === 'error'), 'the failure is shown');
        assert.equal(await state(seed.id), 'Unattached', 'source revoked');
        await poll('the failed disk deleted', async () => (await state(id)) === 'gone' || undefined, 30_000);
    });

    it('a Put Page From URL that keeps answering 500: the source is revoked, the user is told, and Delete Disk leaves nothing behind', async function () {
        this.timeout(120_000);
        const seed = seedDisk('web-data-01');
        const id = idIn(seed.id, 'rg-data', 'disks', 'web-data-01-500');
        ui.script(...copyTargetSteps(seed.subscriptionId, 'rg-data', 'web-data-01-500'), { match: /The copy of web-data-01 into web-data-01-500 stopped/, answer: { button: 'Delete Disk' } }, { match: /Delete the disk web-data-01-500/, answer: { input: 'web-data-01-500' } });
        await control().storageFault({ method: 'PUT', action: 'status', status: 500, code: 'InternalError', count: 100_000 });
        await vscode.commands.executeCommand(CopyTo, await findDiskNode(seed));
        const warn = ui.toasts.find((t) => /The copy of web-data-01 into web-data-01-500 stopped: .*failed after \d+ attempts/.test(t.message));
        assert.ok(warn, `the warning (${JSON.stringify(ui.toasts.map((t) => t.message))})`);
        assert.match(warn.message, /ActiveUpload/);
        assert.equal(ui.toasts.filter((t) => t.kind === 'error').length, 0, 'one message, not a second error toast');
        assert.equal(await state(seed.id), 'Unattached', 'source revoked');
        await poll('the incomplete copy deleted', async () => (await state(id)) === 'gone' || undefined, 30_000);
    });
});
