/**
 * The Read grant a download runs on: the one in memory when it is live, otherwise a new one with
 * the same settings. A fresh one when the SAS expires mid-download comes from the grant feature.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { DiskError } from '../../shared/errors';
import { isExpired, presetOf, type GrantPreset } from '../../shared/grants';
import type { DiskRef, Grant } from '../../shared/types';
import type { PendingDownload } from './pending';

export async function ensureReadGrant(ctx: AppContext, actx: ActionContext, ref: DiskRef, resume: PendingDownload | undefined): Promise<Grant> {
    const existing = ctx.services.grants.get(ref.id);
    if (existing && !isExpired(existing) && existing.access === 'Read') return existing;
    if (existing && !isExpired(existing) && existing.access === 'Write') {
        throw new DiskError('WriteGrantActive', vscode.l10n.t('{0} has write access granted (for an upload). Revoke it before downloading.', ref.name));
    }
    const preset: GrantPreset = resume
        ? { access: 'Read', fileFormat: resume.fileFormat, getSecureVMGuestStateSAS: resume.guestState, durationInSeconds: resume.durationInSeconds }
        : existing
          ? { ...presetOf(existing), access: 'Read' }
          : { access: 'Read' };
    // The pending record shows the outstanding SAS is the one this window granted before reloading.
    if (resume) await ctx.actions.revokeOrphaned(actx, ref);
    return ctx.actions.renewAccess(actx, ref, preset);
}
