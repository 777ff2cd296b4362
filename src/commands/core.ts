/** What the core commands share. */
import type { Services } from '../services';
import type { SessionManager } from '../azure/sessionManager';
import type { Telemetry } from '../telemetry/telemetry';
import type { DisksTreeDataProvider } from '../tree/treeProvider';

export interface Core {
    services: Services;
    telemetry: Telemetry;
    tree: DisksTreeDataProvider;
    sessions: SessionManager;
}
