/** Entry of the access panel page: its translations, the ready handshake, inbound message checks, the countdown. */
import './styles.css';
import * as l10n from '@vscode/l10n';
import { describeRejected, isHostMessage, type HostMessage, type PageMessage, type PersistedPageState } from '../shared/accessProtocol';
import { AccessView } from './view';

const vscode = acquireVsCodeApi();
const root = document.getElementById('app') as HTMLElement;
configureL10n(root.dataset.l10n);
const send = (m: PageMessage) => vscode.postMessage(m);
const view = new AccessView(root, send);

window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const m = event.data;
    if (!isHostMessage(m)) {
        console.warn(`Access panel page: ignored a malformed ${describeRejected(m)}.`);
        return;
    }
    persistIdentity(m);
    view.handle(m);
});

/** Only the disk's identity survives a reload; SAS URLs live in this page's memory. */
function persistIdentity(m: HostMessage): void {
    if (m.type !== 'state' && m.type !== 'noGrant') return;
    const state: PersistedPageState = { diskId: m.id.diskId, tenantId: m.id.tenantId };
    vscode.setState(state);
}

/** The host puts VS Code's bundle on the root (none for English); every text after this is translated. */
function configureL10n(json: string | undefined): void {
    if (!json) return;
    try {
        l10n.config({ contents: JSON.parse(json) as Record<string, string> });
    } catch (e) {
        console.warn(`Access panel page: the translations could not be read (${e instanceof Error ? e.message : String(e)}); showing English.`);
    }
}

setInterval(() => view.tick(), 1000);
send({ type: 'ready' });
