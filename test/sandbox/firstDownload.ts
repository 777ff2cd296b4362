/**
 * A first download already made, so Update Earlier Download… can be tried right away: history-data-v1
 * as Download… leaves it in a workspace, `<workspace>/disks/history-data-v1/history-data-v1.vhd`
 * with its record beside it (written by the extension's own record code). The snapshot's family
 * and time are asked of the ARM emulator as the extension asks them; the bytes are the seeded
 * blob's, read with the emulator's account key (never a SAS), and checked against the manifest.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PageBlobClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { recordPath } from '../../src/transfer/update';
import { writeSnapshotRecord } from '../../src/features/download/snapshotRecords';
import type { DiskInfo } from '../../src/shared/types';
import { COMPUTE_API } from './access';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from './azurite';
import { HISTORY_SNAPSHOTS } from './seed';
import type { SandboxInfo, SeedDisk } from './types';

/** The snapshot the first download holds: the oldest of the disk with a history. */
export const FIRST_DOWNLOAD = HISTORY_SNAPSHOTS[0].name;

/**
 * Writes the first download into `workspace` unless a file is already there (a demo workspace keeps
 * what was done in it, an updated file included). Returns the file's path.
 */
export async function seedFirstDownload(info: SandboxInfo, manifest: SeedDisk[], workspace: string, folder = 'disks'): Promise<string> {
    const seed = manifest.find((d) => d.name === FIRST_DOWNLOAD);
    if (!seed) throw new Error(`The sandbox has no ${FIRST_DOWNLOAD} to make a first download of`);
    const file = path.join(workspace, folder, seed.name, `${seed.name}.vhd`);
    if (fs.existsSync(file) && fs.existsSync(recordPath(file))) return file;

    const res = await fetch(`${info.armEndpoint}${seed.id}?api-version=${COMPUTE_API}`, { headers: { authorization: `Bearer ${info.bearerToken}` } });
    if (!res.ok) throw new Error(`GET ${seed.name} from the ARM emulator answered ${res.status}`);
    const props = ((await res.json()) as { properties?: { incrementalSnapshotFamilyId?: string; timeCreated?: string } }).properties ?? {};
    if (!props.incrementalSnapshotFamilyId || !props.timeCreated) throw new Error(`${seed.name} is not an incremental snapshot with a family and a time`);

    const blob = new PageBlobClient(seed.blobs.disk.url, new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY));
    const data = await blob.downloadToBuffer();
    const sha = crypto.createHash('sha256').update(data).digest('hex');
    if (sha !== seed.blobs.disk.sha256) throw new Error(`${seed.name}'s blob does not hold what the manifest says`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    const snapshot = { kind: 'snapshot', id: seed.id, name: seed.name, incrementalSnapshotFamilyId: props.incrementalSnapshotFamilyId, timeCreated: new Date(props.timeCreated) } as DiskInfo;
    if (!(await writeSnapshotRecord(file, snapshot))) throw new Error(`No record could be written for ${seed.name}`);
    return file;
}
