/** Revoking an outstanding SAS this window granted before it reloaded, so access can be granted again. */
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { hasActiveSas } from '../../shared/diskStates';
import type { DiskRef } from '../../shared/types';
import { revokeAccess } from './revokeAccess';

export async function revokeOrphaned(ctx: AppContext, actx: ActionContext, ref: DiskRef, confirm?: () => Promise<boolean>): Promise<boolean> {
    const { services } = ctx;
    if (services.grants.get(ref.id)) return true;
    let disk;
    try {
        disk = await services.disks.getDisk(ref);
    } catch {
        return true; // the grant that follows reports what is wrong
    }
    if (!hasActiveSas(disk)) return true;
    if (confirm && !(await confirm())) return false;
    services.log.info(`Revoking the access to ${ref.name} granted before the window reloaded, to grant it again.`);
    // A failed revoke throws its own plain words (the grant that would follow cannot succeed).
    return revokeAccess(ctx, actx, ref, { confirmed: true });
}
