/** azureDisks.download: download a disk's blobs into the workspace. */
import type { DiskInfo } from '../azure/types';
import type { Services } from '../services';
import type { ActionContext } from './wrapper';
import { isBlobKind } from '../webview/protocol';
import { resolveDisk } from '../download/args';
import { runDownload, type RunOptions } from '../download/run';
import { isPendingDownload } from '../download/pending';

/** Disks whose data can be read: not attached to a running VM, not mid-upload. */
export function downloadable(d: DiskInfo): boolean {
    return !d.diskState || ['Unattached', 'Reserved', 'ActiveSAS', 'Frozen', 'ActiveSASFrozen'].includes(d.diskState);
}

export async function downloadCommand(services: Services, actx: ActionContext, arg?: unknown, options?: unknown): Promise<unknown> {
    const { ref, info } = await resolveDisk(services, arg, downloadable);
    actx.errorContext = { ...actx.errorContext, diskName: ref.name };
    return runDownload(services, actx, ref, info, parseOptions(options));
}

function parseOptions(o: unknown): RunOptions {
    if (!o || typeof o !== 'object') return {};
    const r = o as { blobs?: unknown; resume?: unknown };
    const blobs = Array.isArray(r.blobs) ? r.blobs.filter(isBlobKind) : undefined;
    return { blobs: blobs && blobs.length ? blobs : undefined, resume: isPendingDownload(r.resume) ? r.resume : undefined };
}
