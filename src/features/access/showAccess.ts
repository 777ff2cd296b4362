/** azureDisks.showAccess: open the disk's access panel (it offers Grant again when no grant is in memory). */
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { resolveDisk } from '../../wizard/diskArg';

export async function showAccessCommand(ctx: AppContext, actx: ActionContext, arg?: unknown): Promise<void> {
    const { services } = ctx;
    const { ref } = await resolveDisk(services, arg, { filter: (d) => !!services.grants.get(d.id) });
    actx.telemetry.properties.hasGrant = services.grants.get(ref.id) ? 'true' : 'false';
    ctx.actions.showAccess(ref);
}
