/**
 * Update Earlier Download… against the sandbox's disk with a history: a download of history-data-v1
 * brought up to date with history-data-v3 byte for byte (fetching only what changed, no SAS left,
 * the record naming v3), a stopped update resumed, a disk row updated through a new snapshot, and
 * the refusals: another disk's snapshot, and the five-SAS limit of a snapshot family.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { DiskInfo } from '../../../src/shared/types';
import type { SeedDisk } from '../../sandbox/types';
import { Cmds, control, findDiskNode, getApi, grantWithPreset, poll, seedDisk, blobSha256, typeTheName } from './harness';
import { assertExactCopy, blobPattern, downloadSuite, filesOf, sha256 } from './faultKit';

const Update = 'azureDisks.updateEarlierDownload';
const CreateSnapshot = 'azureDisks.createSnapshot';
const PICK_FILE = 'The earlier download to bring up to date with';

interface Result {
    bytesFetched: number;
    bytesResumed: number;
    totalSize: number;
}

const v1 = () => seedDisk('history-data-v1');
const v3 = () => seedDisk('history-data-v3');

function record(file: string): { snapshotId: string; familyId: string } | undefined {
    try {
        return JSON.parse(fs.readFileSync(`${file}.snapshot.json`, 'utf8'));
    } catch {
        return undefined;
    }
}

const between = (file: string) => fs.existsSync(`${file}.update.journal`);


async function noSas(...seeds: { id: string; name: string }[]): Promise<void> {
    for (const s of seeds) assert.doesNotMatch((await control().diskState(s.id)) ?? '', /^ActiveSAS/, `${s.name} ends without SAS`);
}

/** Sees a snapshot the way the tree lists it (a created one is not in the manifest). */
function asSeed(d: DiskInfo): SeedDisk {
    return { ...d, kind: 'snapshot', diskState: d.diskState ?? 'Unattached', blobs: { disk: { container: '', blob: '', url: '', size: 0, sha256: '' } } } as unknown as SeedDisk;
}

describe('Update Earlier Download', () => {
    const ui = downloadSuite({ refresh: true, afterEach: () => control().reset({}) });

    /** Download history-data-v1 from its tree row (the user keeps no SAS after it), its record beside the file. */
    async function downloadV1(): Promise<string> {
        ui.script(
            { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } },
            { match: 'File format', optional: true, answer: { pick: 'VHD' } },
        );
        await vscode.commands.executeCommand(Cmds.Download, await findDiskNode(v1()));
        const file = filesOf(v1()).final;
        await assertExactCopy(file, v1().blobs.disk);
        assert.equal(record(file)?.snapshotId.toLowerCase(), v1().id.toLowerCase(), 'the download recorded the snapshot it holds');
        await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(v1()));
        return file;
    }

    it('brings a download of v1 up to date with v3: byte for byte a full download of v3, only the changes fetched, no SAS left, the record names v3', async () => {
        const file = await downloadV1();
        const familyOfV1 = record(file)!.familyId;
        ui.script({ match: PICK_FILE, answer: { pick: 'history-data-v1.vhd' } });
        const result = await vscode.commands.executeCommand<Result | undefined>(Update, await findDiskNode(v3()));
        assert.ok(result, 'the update ran');
        assert.ok(result.bytesFetched > 0 && result.bytesFetched < result.totalSize / 4, `only the changes were fetched (${result.bytesFetched} of ${result.totalSize})`);
        await noSas(v1(), v3());
        const g = await grantWithPreset(await findDiskNode(v3()), { access: 'Read', durationInSeconds: 3600, fileFormat: 'VHD' });
        const full = await blobSha256(g.urls.disk!);
        await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(v3()));
        assert.equal(await sha256(file), full, 'the file equals a full download of v3');
        await assertExactCopy(file, v3().blobs.disk);
        assert.equal(record(file)?.snapshotId.toLowerCase(), v3().id.toLowerCase(), 'the record names v3');
        assert.equal(record(file)?.familyId, familyOfV1, 'same family');
        assert.ok(!between(file), 'not between snapshots');
        assert.ok(ui.toasts.some((t) => /Updated history-data-v1\.vhd to history-data-v3/.test(t.message)), 'the user is told');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
    });

    it('an update stopped midway leaves the file between snapshots, said so; running it again resumes and ends identical to v3', async () => {
        const file = await downloadV1();
        // The newer snapshot's ranged reads are slowed, so the update is surely under way when it is cancelled.
        await control().storageFault({ blob: blobPattern(v3().blobs.disk), method: 'GET', rangedOnly: true, action: 'delay', delayMs: 1500, count: 1000 });
        ui.script({ match: PICK_FILE, answer: { pick: 'history-data-v1.vhd' } });
        const api = await getApi();
        const run = vscode.commands.executeCommand<Result | undefined>(Update, await findDiskNode(v3()));
        await poll('a changed range written', () => (between(file) && fs.readFileSync(`${file}.update.journal`, 'utf8').trim().split('\n').length >= 2) || undefined, 60_000);
        assert.ok(api.testing.cancelDownloads(v3().id), 'the update was running');
        assert.equal(await run, undefined, 'cancelled');
        assert.ok(between(file), 'the file is between v1 and v3');
        assert.equal(record(file)?.snapshotId.toLowerCase(), v1().id.toLowerCase(), 'the record is not rewritten');
        assert.ok(ui.toasts.some((t) => /cancelled: the file is between history-data-v1 and history-data-v3 now, and matches neither/.test(t.message)), 'its state is said');
        await noSas(v1(), v3());

        await control().reset({});
        ui.script({ match: PICK_FILE, answer: { pick: 'history-data-v1.vhd' } });
        const first = ui.prompts.length;
        const result = await vscode.commands.executeCommand<Result | undefined>(Update, await findDiskNode(v3()));
        const pick = ui.prompts.slice(first).find((p) => p.kind === 'pick');
        assert.match(pick?.descriptions?.[0] ?? '', /between history-data-v1 and history-data-v3: the update resumes/, 'offered as between, not as holding v1');
        assert.ok(result && result.bytesResumed > 0, `resumed (${result?.bytesResumed} bytes done before)`);
        await assertExactCopy(file, v3().blobs.disk);
        assert.equal(record(file)?.snapshotId.toLowerCase(), v3().id.toLowerCase());
        assert.ok(!between(file));
        await noSas(v1(), v3());
    });

    it('on a disk row: a new incremental snapshot, the file updated to it, and the snapshot offered for deletion', async () => {
        const file = await downloadV1();
        const disk = seedDisk('history-data');
        ui.script(
            { match: PICK_FILE, answer: { pick: 'history-data-v1.vhd' } },
            { match: /The download was updated from snapshot history-data-update-/, answer: { button: 'Delete Snapshot' } },
            { match: /Delete the snapshot history-data-update-/, answer: typeTheName },
        );
        await control().clearLog();
        const result = await vscode.commands.executeCommand<Result | undefined>(Update, await findDiskNode(disk));
        assert.ok(result);
        await assertExactCopy(file, disk.blobs.disk);
        assert.match(record(file)?.snapshotId ?? '', /\/snapshots\/history-data-update-/);
        const made = (await control().requestLog()).arm.recent.find((r) => r.method === 'PUT' && /\/snapshots\/history-data-update-/.test(r.path))?.path;
        assert.ok(made, 'a snapshot was made');
        await poll('the snapshot deleted', async () => (await control().diskState(made).catch(() => undefined)) === undefined || undefined, 30_000);
        await noSas(v1(), disk);
    });

    it('refuses a download of another disk\'s snapshot with its reason, offering the full download, and grants nothing', async () => {
        const other = seedDisk('web-data-01-incr');
        ui.script(
            { match: 'How long should the access last', optional: true, answer: { pick: '1 hour' } },
            { match: 'File format', optional: true, answer: { pick: 'VHD' } },
        );
        await vscode.commands.executeCommand(Cmds.Download, await findDiskNode(other));
        await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(other));
        assert.ok(record(filesOf(other).final), 'the other disk\'s snapshot download is recorded');
        await control().clearLog();
        const result = await vscode.commands.executeCommand<Result | undefined>(Update, await findDiskNode(v3()));
        assert.equal(result, undefined);
        const refusal = ui.toasts.find((t) => t.kind === 'error');
        assert.ok(refusal, 'refused');
        assert.match(refusal.message, /other disks' snapshots \(another snapshot family\), which Azure cannot diff with history-data-v3/);
        assert.deepEqual(refusal.items, ['Download in Full']);
        assert.deepEqual((await control().requestLog()).arm.recent.filter((r) => /beginGetAccess/i.test(r.path)).map((r) => r.path), [], 'no grant was asked');
    });

    it('refuses when five snapshots of the family would have a SAS, with its reason, and leaves nothing it granted', async () => {
        const file = await downloadV1();
        const history = seedDisk('history-data');
        const others: DiskInfo[] = [];
        for (let i = 1; i <= 3; i++) {
            ui.script({ match: /Name of the snapshot of/, answer: { input: `history-data-cap-${i}` } }, { match: 'Kind of snapshot', answer: { pick: 'Incremental' } });
            const made = await vscode.commands.executeCommand<DiskInfo | undefined>(CreateSnapshot, await findDiskNode(history));
            assert.ok(made?.incremental);
            others.push(made);
        }
        const v2 = await findDiskNode(seedDisk('history-data-v2'));
        others.push(v2.disk);
        try {
            // Four others of the family have a SAS: the update's first grant is the fifth, its second is refused.
            for (const o of others) await grantWithPreset(await findDiskNode(asSeed(o)), { access: 'Read', durationInSeconds: 3600, fileFormat: 'VHD' });
            ui.script({ match: PICK_FILE, answer: { pick: 'history-data-v1.vhd' } });
            const result = await vscode.commands.executeCommand<Result | undefined>(Update, await findDiskNode(v3()));
            assert.equal(result, undefined);
            const refusal = ui.toasts.find((t) => t.kind === 'error');
            assert.match(refusal?.message ?? '', /at most five snapshots of one disk at a time.*Nothing granted by this command is left/);
            assert.deepEqual(refusal?.items, ['Download in Full']);
            await noSas(v1(), v3());
            for (const o of others) assert.match((await control().diskState(o.id)) ?? '', /^ActiveSAS/, `${o.name}'s own SAS is left as it was`);
            await assertExactCopy(file, v1().blobs.disk);
            assert.ok(!between(file), 'the file is untouched');
        } finally {
            for (const o of others) await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(asSeed(o)));
        }
    });
});
