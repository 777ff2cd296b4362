/**
 * Upload from the Explorer: right-click an image → Upload to Azure Managed Disk… → the wizard →
 * progress → the new disk in the tree → Download it again → the same bytes (the image padded to a
 * whole MiB, then the fixed VHD footer).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SeedDisk } from '../../sandbox/types';
import { check, type Flow } from '../flow';
import { exact, pickGroupAndName, revealDisk, showInExplorer } from './nav';
import { expectAccessPanel, waitDownloaded } from './grant';

const MiB = 1024 * 1024;
const DISK = 'roundtrip-disk';

export const uploadFlow: Flow = {
    name: 'upload-roundtrip',
    async run(ctx) {
        const { wb } = ctx;
        // The image: 24 MiB and a bit, data in three places, holes elsewhere.
        const dir = path.join(ctx.workspace, 'images');
        fs.mkdirSync(dir, { recursive: true });
        const image = path.join(dir, 'roundtrip.img');
        const size = 24 * MiB + 3000;
        const expected = Buffer.alloc(25 * MiB);
        const fd = fs.openSync(image, 'w');
        fs.ftruncateSync(fd, size);
        for (const off of [0, 7 * MiB + 512, 24 * MiB]) {
            const data = crypto.randomBytes(300 * 1024).subarray(0, Math.min(300 * 1024, size - off));
            fs.writeSync(fd, data, 0, data.length, off);
            data.copy(expected, off);
        }
        fs.closeSync(fd);

        const rgSeed = ctx.seed('big-data');
        await showInExplorer(ctx, 'images', ['roundtrip.img']);
        const folders = await wb.expandPane(path.basename(ctx.workspace));
        await wb.contextMenu(await wb.findRow(folders, exact('roundtrip.img')), /Upload to Azure Managed Disk/);
        await pickGroupAndName(ctx, rgSeed, DISK, { prompt: /resource group|subscription/i });
        await wb.pick(/^westeurope/, /Region/i);
        await wb.pick(/^Standard HDD/, /Disk type/i);
        await wb.pick(/^None/, /Operating system/i);
        await wb.toast(/Uploading roundtrip-disk|Creating disk roundtrip-disk/).first().waitFor({ timeout: 30_000 });
        await wb.shot('2-progress');
        await wb.toast(/Uploaded and verified roundtrip-disk/).waitFor({ timeout: 120_000 });
        check((await ctx.control.diskState(`/subscriptions/${rgSeed.subscriptionId}/resourceGroups/${rgSeed.resourceGroup}/providers/Microsoft.Compute/disks/${DISK}`)) === 'Unattached', 'the new disk is not Unattached');

        const seed = { ...rgSeed, name: DISK } as SeedDisk;
        const row = await revealDisk(ctx, seed);
        await wb.shot('3-in-tree');
        await wb.contextMenu(row, /^(Azure Disks: )?Download/);
        await wb.wizardFor(DISK, /access|how long|duration/i);
        await wb.pick(/^Read/, /access/i).catch(() => undefined);
        await wb.pick(/^1 hour/, /duration|how long|expire/i);
        const web = await expectAccessPanel(ctx, ['disk']);
        await waitDownloaded(web, ['disk'], 120_000);
        await wb.shot('4-downloaded');
        const file = path.join(ctx.workspace, 'disks', DISK, `${DISK}.vhd`);
        const got = fs.readFileSync(file);
        check(got.length === 25 * MiB + 512, `the downloaded disk is ${got.length} bytes, not 25 MiB + 512`);
        check(got.subarray(0, 25 * MiB).equals(expected), 'the downloaded disk differs from the uploaded image');
        check(got.toString('latin1', 25 * MiB, 25 * MiB + 8) === 'conectix', 'no VHD footer at the end');
        console.log(`    ${DISK}: uploaded ${(size / MiB).toFixed(2)} MiB image, downloaded again: sha256 ${crypto.createHash('sha256').update(got.subarray(0, 25 * MiB)).digest('hex').slice(0, 12)}… equal`);
    },
};
