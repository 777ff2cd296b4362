/**
 * Save to Workspace from the command line: a file or folder inside a disk copied into a local
 * folder by saveTo, over HTTP (a SAS URL) or from a local image file:
 *   node out/test/bench/browseSave.js <sasUrl|imageFile> </volume/path> <targetFolder>
 * Volumes are named by id as browse.js names them (`2`, `rootvg-root`). Prints one JSON line on
 * stdout: what was saved and the device's requests and bytes fetched.
 */
import { openBlobDevice } from '../../src/disk/device/blob';
import type { CachedDevice } from '../../src/disk/device/cached';
import { openImageDevice } from '../../src/disk/device/image';
import { BrowseTree, saveTo } from '../../src/disk/browse';
import { openVolumes } from '../../src/disk/volumes';
import { engineArgs, runEngine } from './cli';

const args = engineArgs(process.argv.slice(2), { values: [], switches: [], required: 3, usage: 'browseSave.js <sasUrl|imageFile> </volume/path> <targetFolder>' });
const [source, diskPath, target] = args.positionals;

runEngine(async (signal) => {
    const dev: CachedDevice & { close(): unknown } = /^https?:\/\//i.test(source) ? await openBlobDevice({ url: source, signal }) : await openImageDevice(source);
    try {
        // Folders named by volume id, so the paths are the ones browse.js takes.
        const volumes = (await openVolumes(dev)).map((v) => ({ ...v, name: v.id }));
        const saved = await saveTo(new BrowseTree(volumes), diskPath, target, { signal });
        const stats = dev.stats();
        return { files: saved.files, folders: saved.folders, bytes: saved.bytes, skipped: saved.skipped.length, requests: stats.requests, bytesFetched: stats.bytesFetched };
    } finally {
        await dev.close();
    }
});
