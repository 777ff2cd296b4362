/** azureDisks.download: download a disk's blobs into the workspace. */
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { canDownload } from '../../shared/diskStates';
import { isBlobKind } from '../../shared/types';
import { resolveDisk } from '../../wizard/diskArg';
import { runDownload, type RunOptions } from './run';

export async function downloadCommand(ctx: AppContext, actx: ActionContext, arg?: unknown, options?: unknown): Promise<unknown> {
    const { ref, info } = await resolveDisk(ctx.services, arg, { filter: canDownload });
    actx.errorContext = { ...actx.errorContext, diskName: ref.name };
    return runDownload(ctx, actx, ref, info, parseOptions(options));
}

/** Options arrive from callers outside the extension too (the command is public): only known blob kinds pass. */
function parseOptions(o: unknown): RunOptions {
    if (!o || typeof o !== 'object') return {};
    const r = o as { blobs?: unknown; saveAs?: { folderName?: unknown; fileBase?: unknown } };
    const blobs = Array.isArray(r.blobs) ? r.blobs.filter(isBlobKind) : undefined;
    // Both names are sanitised again where the paths are made.
    const saveAs = typeof r.saveAs?.folderName === 'string' && typeof r.saveAs.fileBase === 'string' ? { folderName: r.saveAs.folderName, fileBase: r.saveAs.fileBase } : undefined;
    return { blobs: blobs && blobs.length ? blobs : undefined, saveAs };
}
