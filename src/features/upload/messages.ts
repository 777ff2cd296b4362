/** What an upload says when it ends. No vscode import: unit-tested. */
import * as l10n from '@vscode/l10n';
import { formatBytes } from '../../shared/format';

/**
 * The success toast. A resumed upload says how much an earlier run had already sent, as a resumed
 * download does, so a fast finish after a cancel reads as a resume and not as a skipped upload.
 */
export function uploadedMessage(diskName: string, checks: string, bytesResumed: number): string {
    const done = l10n.t('Uploaded and verified {0} ({1}); it is ready to attach to a VM.', diskName, checks);
    return bytesResumed > 0 ? `${done} ${l10n.t('Resumed: {0} were already there.', formatBytes(bytesResumed))}` : done;
}

/** The progress notification's title: a run that continues an earlier one says so from the start. */
export function uploadTitle(diskName: string, resuming: boolean): string {
    return resuming ? l10n.t('Resuming the upload of {0}', diskName) : l10n.t('Uploading {0}', diskName);
}
