/** azureDisks.showAccess: open the disk's access panel (it offers Grant again when no grant is in memory). */
import type { Services } from '../services';
import type { ActionContext } from './wrapper';
import { resolveDisk } from '../download/args';
import { AccessPanels } from '../webview/accessPanel';

export async function showAccessCommand(services: Services, actx: ActionContext, arg?: unknown): Promise<void> {
    const { ref } = await resolveDisk(services, arg, (d) => !!services.grants.get(d.id));
    actx.telemetry.properties.hasGrant = services.grants.get(ref.id) ? 'true' : 'false';
    AccessPanels.show(services, ref);
}
