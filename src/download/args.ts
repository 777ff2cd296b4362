/** The disk an access command is about: from a tree node `{ disk }`, a DiskRef/DiskInfo, or picked. */
import type { DiskInfo, DiskRef } from '../azure/types';
import type { Services } from '../services';
import { pickDisk } from '../commands/pickDisk';
import { refFromArg, refOf } from '../commands/diskArg';

/** Unlike the grant commands this does not re-read the disk: a DiskInfo passed in is kept for its size. */
export async function resolveDisk(services: Services, arg: unknown, filter?: (d: DiskInfo) => boolean): Promise<{ ref: DiskRef; info?: DiskInfo }> {
    const ref = refFromArg(arg);
    if (ref) {
        const candidate = ((arg as { disk?: unknown })?.disk ?? arg) as Partial<DiskInfo>;
        const info = typeof candidate.location === 'string' ? (candidate as DiskInfo) : undefined;
        return { ref, info };
    }
    const picked = await pickDisk(services, { filter });
    return { ref: refOf(picked), info: picked };
}
