/**
 * Download Changes Only… against the sandbox's disk with a history: the changes of history-data-v3
 * since history-data-v1, as a sparse file plus its JSON list, checked against what the sandbox
 * knows of the two snapshots: applied to v1's bytes they give exactly v3's (the manifest's
 * sha256), the cleared ranges are those the history cleared, the file holds about the changed
 * bytes only, and no SAS is left.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HISTORY_STEPS } from '../../sandbox/history';
import type { SeedDisk } from '../../sandbox/types';
import { Cmds, control, findDiskNode, getApi, grantWithPreset, seedDisk } from './harness';
import { disksDir, downloadSuite } from './faultKit';

const DownloadChanges = 'azureDisks.downloadChanges';
const PAGE = 512;

interface Span { start: number; end: number }
interface ChangeList { v: number; size: number; updated: Span[]; cleared: Span[] }

const v1 = () => seedDisk('history-data-v1');
const v3 = () => seedDisk('history-data-v3');

/** The pages written at `generation` of the history (history.ts), as merged half-open spans. */
function writtenAt(generation: number, dataSize: number): Uint8Array {
    const pages = new Uint8Array(dataSize / PAGE);
    for (const s of HISTORY_STEPS.filter((x) => x.generation <= generation)) pages.fill(s.op === 'clear' ? 0 : 1, s.offset / PAGE, (s.offset + s.length) / PAGE);
    return pages;
}

function spans(pages: Uint8Array, keep: (i: number) => boolean): Span[] {
    const out: Span[] = [];
    for (let i = 0; i < pages.length; i++) {
        if (!keep(i)) continue;
        const last = out[out.length - 1];
        if (last && last.end === i * PAGE) last.end += PAGE;
        else out.push({ start: i * PAGE, end: (i + 1) * PAGE });
    }
    return out;
}

/** A snapshot's whole blob, read with a grant of its own (revoked after): the sandbox's bytes, not a download of ours. */
async function blobBytes(seed: SeedDisk): Promise<Buffer> {
    const node = await findDiskNode(seed);
    const g = await grantWithPreset(node, { access: 'Read', durationInSeconds: 3600, fileFormat: 'VHD' });
    try {
        const res = await fetch(g.urls.disk!);
        assert.equal(res.status, 200);
        return Buffer.from(await res.arrayBuffer());
    } finally {
        await vscode.commands.executeCommand(Cmds.RevokeAccess, await findDiskNode(seed));
    }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Download Changes Only', () => {
    const ui = downloadSuite({ refresh: true, afterEach: () => control().reset({}) });

    it('is offered on incremental snapshots: their rows say so', async () => {
        const api = await getApi();
        for (const name of ['history-data-v1', 'history-data-v3']) {
            const item = (await api.treeDataProvider.getTreeItem((await findDiskNode(seedDisk(name))) as never)) as vscode.TreeItem;
            assert.match(String(item.contextValue), /^azureSnapshot;(.*;)?incremental;/, `${name}'s row`);
        }
        const disk = (await api.treeDataProvider.getTreeItem((await findDiskNode(seedDisk('history-data'))) as never)) as vscode.TreeItem;
        assert.doesNotMatch(String(disk.contextValue), /incremental;/, 'a disk is not a snapshot');
    });

    it('writes the changes of v3 since v1 as a sparse file and a list that, applied to v1, give exactly v3', async () => {
        const older = await blobBytes(v1());
        assert.equal(sha(older), v1().blobs.disk.sha256, "v1's bytes are the sandbox's");
        const folder = path.join(disksDir(), 'changes');
        fs.mkdirSync(folder, { recursive: true });
        ui.script(
            { match: 'The older snapshot of the same disk to list the changes of history-data-v3 from', answer: { pick: 'history-data-v1' } },
            { match: 'Where to save the changes of history-data-v3 since history-data-v1', answer: { files: [folder] } },
        );
        await vscode.commands.executeCommand(DownloadChanges, await findDiskNode(v3()));
        const file = path.join(folder, 'history-data-v3.changes-since-history-data-v1.bin');
        const list = JSON.parse(fs.readFileSync(`${file}.changes.json`, 'utf8')) as ChangeList;
        assert.equal(list.size, v3().blobs.disk.size);
        assert.equal(fs.statSync(file).size, v3().blobs.disk.size, 'the changes file is as long as the snapshot');
        assert.ok(!fs.existsSync(`${file}.update.journal`), 'finished');

        // Applied as a delta tool would: cleared ranges zeroed, updated ones copied from the changes file.
        const changes = fs.readFileSync(file);
        const applied = Buffer.from(older);
        for (const c of list.cleared) applied.fill(0, c.start, c.end);
        for (const u of list.updated) changes.copy(applied, u.start, u.start, u.end);
        assert.equal(sha(applied), v3().blobs.disk.sha256, 'v1 + the changes = v3, byte for byte');

        // The history's Clear Pages since v1, where v1 had data: all listed as cleared, nothing else.
        const dataSize = v3().blobs.disk.size - PAGE;
        const w1 = writtenAt(0, dataSize), w3 = writtenAt(2, dataSize);
        const expectCleared = spans(w1, (i) => w1[i] === 1 && w3[i] === 0);
        assert.ok(expectCleared.length >= 3, 'the history clears pages between v1 and v3');
        assert.deepEqual(list.cleared, expectCleared, 'the cleared ranges are listed');

        // The file holds the pages whose bytes changed and are still written in v3, about nothing more.
        const v3Bytes = Buffer.from(applied);
        const changed = spans(w3, (i) => w3[i] === 1 && !older.subarray(i * PAGE, (i + 1) * PAGE).equals(v3Bytes.subarray(i * PAGE, (i + 1) * PAGE)));
        const changedBytes = changed.reduce((n, s) => n + s.end - s.start, 0);
        const allocated = fs.statSync(file).blocks * 512;
        assert.ok(changedBytes > 0);
        assert.ok(allocated >= changedBytes * 0.9 && allocated <= changedBytes + changed.length * 8192 + 64 * 1024, `allocated ${allocated} bytes for ${changedBytes} changed`);
        assert.ok(allocated < v3().blobs.disk.size / 8, 'sparse: far less than the snapshot');
        assert.ok(ui.toasts.some((t) => /Saved the changes of history-data-v3 since history-data-v1/.test(t.message)), 'the user is told');
        assert.deepEqual(ui.toasts.filter((t) => t.kind === 'error'), []);
        for (const s of [v1(), v3()]) assert.doesNotMatch((await control().diskState(s.id)) ?? '', /^ActiveSAS/, `${s.name} ends without SAS`);
    });
});
